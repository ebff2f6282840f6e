/** Tiny HTTP client for tests: real requests against the listening API. */
export interface HttpResult<T = any> {
  status: number;
  type: string;
  body: T;
  text: string;
}

export function api(base: string, token?: string) {
  async function call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult<T>> {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const type = res.headers.get('content-type') ?? '';
    return { status: res.status, type, text, body: type.includes('json') && text ? JSON.parse(text) : text };
  }
  return {
    get: <T = any>(p: string, h?: Record<string, string>) => call<T>('GET', p, undefined, h),
    post: <T = any>(p: string, b?: unknown) => call<T>('POST', p, b),
    put: <T = any>(p: string, b?: unknown) => call<T>('PUT', p, b),
    patch: <T = any>(p: string, b?: unknown) => call<T>('PATCH', p, b),
    del: <T = any>(p: string) => call<T>('DELETE', p),
    raw: call,
  };
}
