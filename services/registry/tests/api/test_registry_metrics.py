"""Request metrics carry the route template that served the request (bounded label values)."""

from __future__ import annotations

from typing import Any


async def test_request_metrics_are_labelled_by_route_template(reg: Any, fresh_db: Any) -> None:
    url = await fresh_db("sqlite")
    async with reg.api(url) as client:
        assert (await client.get("/v1/projects/no-such-project")).status_code == 404
        assert (await client.get("/v1/stats/summary", params={"sgg_code": "11200"})).status_code == 200
        assert (await client.get("/no/such/path")).status_code == 404
        assert (await client.put("/v1/projects")).status_code == 405
        metrics = (await client.get("/metrics")).text
    lines = [line for line in metrics.splitlines() if line.startswith("http_requests_total{")]

    def count(route: str, method: str, status: int) -> float:
        label = f'method="{method}",route="{route}",service="registry",status="{status}"'
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines if label in line)

    assert count("/v1/projects/{project_id}", "GET", 404) >= 1
    assert count("/v1/stats/summary", "GET", 200) >= 1
    # No route: a bounded label, never the raw path.
    assert count("unmatched", "GET", 404) >= 1
    assert count("unmatched", "PUT", 405) >= 1
    assert not any("no-such-project" in line or "/no/such/path" in line for line in lines)
