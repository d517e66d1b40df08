/** The console talks only to the HTTP API (/api/v1); every error is problem+json. */

export interface FieldError {
  path: string;
  message: string;
}

export interface Problem {
  type?: string;
  title: string;
  status: number;
  errors?: FieldError[];
  state?: string;
  [k: string]: unknown;
}

export class ApiError extends Error {
  readonly problem: Problem;
  constructor(problem: Problem) {
    super(problem.title);
    this.problem = problem;
  }
  get status(): number {
    return this.problem.status;
  }
  get fieldErrors(): FieldError[] {
    return this.problem.errors ?? [];
  }
}

/**
 * Whether a failed request may succeed if sent again: the server or the network failed (5xx, 429,
 * no answer), not the request (4xx). The console retries these a few times before it says so.
 */
export function isTransient(e: unknown): boolean {
  if (e instanceof ApiError) return e.status >= 500 || e.status === 429;
  return !(e instanceof DOMException && e.name === 'AbortError');
}

/** A message for anything thrown, with field errors spelled out. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) {
    const fields = e.fieldErrors.map((f) => `${f.path}: ${f.message}`).join('; ');
    return fields ? `${e.message} — ${fields}` : e.message;
  }
  return e instanceof Error ? e.message : String(e);
}

export interface Page<T> {
  items: T[];
  next: string | number | null;
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | undefined | null>;
  signal?: AbortSignal;
}

export class Api {
  readonly key: string;
  constructor(key: string) {
    this.key = key;
  }

  url(path: string, query?: RequestOptions['query']): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {}))
      if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
    const s = q.toString();
    return `/api/v1${path}${s ? `?${s}` : ''}`;
  }

  async request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.key}` };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(this.url(path, opts.query), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
    return parse<T>(res);
  }

  get<T>(path: string, query?: RequestOptions['query'], signal?: AbortSignal): Promise<T> {
    return this.request<T>('GET', path, { query, signal });
  }
  post<T>(path: string, body: unknown = {}): Promise<T> {
    return this.request<T>('POST', path, { body });
  }
  put<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PUT', path, { body });
  }
  del(path: string): Promise<void> {
    return this.request<void>('DELETE', path);
  }

  /** Uploads a file as the raw body, reporting upload progress (0..1). */
  upload<T>(path: string, file: File, onProgress: (f: number) => void): Promise<T> {
    const type = /\.xlsx$/i.test(file.name) ? XLSX_TYPE : 'text/csv';
    return new Promise<T>((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url(path));
      xhr.setRequestHeader('authorization', `Bearer ${this.key}`);
      xhr.setRequestHeader('content-type', type);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        onProgress(1);
        let body: unknown = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch {
          /* not JSON */
        }
        if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
        else reject(new ApiError(asProblem(body, xhr.status, xhr.statusText)));
      };
      xhr.onerror = () => reject(new Error('network error while uploading'));
      xhr.send(file);
    });
  }

  /** Fetches a file with the key and hands it to the browser as a download. */
  async download(path: string): Promise<{ name: string; size: number }> {
    const res = await fetch(path, { headers: { authorization: `Bearer ${this.key}` } });
    if (!res.ok) await parse(res);
    const blob = await res.blob();
    const cd = res.headers.get('content-disposition') ?? '';
    const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    const plain = /filename="([^"]+)"/i.exec(cd);
    const name = star ? decodeURIComponent(star[1]!) : (plain?.[1] ?? 'export');
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    return { name, size: blob.size };
  }
}

export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

function asProblem(body: unknown, status: number, statusText: string): Problem {
  if (body && typeof body === 'object' && 'title' in body) return body as Problem;
  return { title: statusText || `HTTP ${status}`, status };
}

async function parse<T>(res: Response): Promise<T> {
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) throw new ApiError(asProblem(body, res.status, res.statusText));
  return body as T;
}
