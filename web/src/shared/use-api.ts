/**
 * Reading one API resource in a page: loading, the value, or the platform's typed failure (a role the route does
 * not admit is `staff_role_forbidden`, which the page says plainly). `reload()` reads it again after a write.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, type ApiFailure } from './api.js';

export type Loaded<T> = { status: 'loading' } | { status: 'ready'; value: T } | { status: 'failed'; failure: ApiFailure };

/** GETs `path` (nothing while it is null) and again on `reload()` or when the path changes. */
export function useApiGet<T>(path: string | null): { data: Loaded<T>; reload: () => void } {
  const [data, setData] = useState<Loaded<T>>({ status: 'loading' });
  const [generation, setGeneration] = useState(0);
  const shownPath = useRef<string | null>(null);
  useEffect(() => {
    if (path === null) return undefined;
    let current = true;
    // A reload keeps what is shown until the new answer comes; another resource is not shown under this one's name.
    if (shownPath.current !== path) setData({ status: 'loading' });
    shownPath.current = path;
    void api<T>(path).then((answer) => {
      if (current) setData(answer.ok ? { status: 'ready', value: answer.value } : { status: 'failed', failure: answer.failure });
    });
    return () => {
      current = false;
    };
  }, [path, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, reload };
}
