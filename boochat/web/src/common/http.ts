// The slice of `fetch` the status clients use, so tests can pass a plain function.

export type ResponseLike = {
  readonly status: number;
  text(): Promise<string>;
};

export type FetchLike = (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<ResponseLike>;

/** Every request the status page makes is bounded by this. */
export const REQUEST_TIMEOUT_MS = 10_000;

export type JsonResponse = { status: number; body: unknown };

/**
 * GETs `url` as JSON. Resolves with the status and parsed body (`undefined` when the
 * body is not JSON); rejects with an Error whose message is the human reason.
 */
export async function getJson(fetchFn: FetchLike, url: string, timeoutMs: number = REQUEST_TIMEOUT_MS): Promise<JsonResponse> {
  let response: ResponseLike;
  try {
    response = await fetchFn(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
  } catch (err) {
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
      throw new Error(`request timed out after ${timeoutMs} ms`);
    }
    throw new Error(`network error: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

/** The `error` field of an `ApiError` body, when the body is one. */
export function apiErrorMessage(body: unknown): string | undefined {
  if (typeof body === "object" && body !== null && "error" in body) {
    const { error } = body as { error: unknown };
    if (typeof error === "string" && error !== "") return error;
  }
  return undefined;
}
