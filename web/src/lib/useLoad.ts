import { useEffect, useState, type DependencyList } from "react";
import { ProblemError, type ProblemDetail } from "./api";

export interface Loaded<T> {
  data: T | undefined;
  problem: ProblemDetail | null;
  loading: boolean;
  reload: () => void;
}

/** Run ``load`` when ``deps`` change; keeps the last data, the problem+json of a failure, and a reload. */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList): Loaded<T> {
  const [data, setData] = useState<T>();
  const [problem, setProblem] = useState<ProblemDetail | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    setLoading(true);
    load()
      .then((d) => live && (setData(d), setProblem(null)))
      .catch((e: unknown) => {
        if (!live) return;
        setProblem(
          e instanceof ProblemError
            ? e.problem
            : { type: "about:blank", title: String(e), status: 0, detail: String(e) },
        );
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, tick]);
  return { data, problem, loading, reload: () => setTick((t) => t + 1) };
}
