"""Write the four services' OpenAPI documents to web/openapi/ (input of the typed clients).

Run by ``make web-api``; ``tests/web/test_openapi_docs.py`` fails when the committed files are stale.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any


def documents() -> dict[str, dict[str, Any]]:
    os.environ.setdefault("CG_DATA_DIR", tempfile.mkdtemp(prefix="cg-openapi-"))
    os.environ["CG_AUTH_MODE"] = "dev"
    os.environ["CG_ENV"] = "dev"
    from cg_budget.main import create_app as budget
    from cg_committee.main import create_app as committee
    from cg_planning.main import create_app as planning
    from cg_registry.main import create_app as registry

    return {
        name: factory().openapi()
        for name, factory in (
            ("registry", registry),
            ("committee", committee),
            ("planning", planning),
            ("budget", budget),
        )
    }


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=False) + "\n"


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent.parent / "openapi")
    out.mkdir(parents=True, exist_ok=True)
    for name, doc in documents().items():
        (out / f"{name}.json").write_text(render(doc), encoding="utf-8")


if __name__ == "__main__":
    main()
