// The REST client: Parley's public API under /api/v10, with the access token attached, one
// refresh (and retry) when it has expired, one wait-and-retry when a rate limit says how long
// (a few seconds at most), and errors turned into ApiError with the server's code, message
// and per-field messages. Requests go by fetch; `send` takes another transport (an upload
// goes by XMLHttpRequest, for its progress) and treats it alike.

export interface FieldErrors {
  [field: string]: { _errors?: { code: string; message: string }[] } & FieldErrors;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly errors: FieldErrors = {},
  ) {
    super(message);
  }

  /** The first message for `field`, if the server named one. */
  fieldMessage(field: string): string | undefined {
    return this.errors[field]?._errors?.[0]?.message;
  }
}

/** What to show a person for a failure: the server's message, or the error's text. */
export function errorMessage(error: unknown): string {
  return error instanceof ApiError ? error.message : String(error);
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  user_id: string;
}

/** Where tokens are kept between visits. */
export interface TokenStore {
  load(): Tokens | null;
  save(tokens: Tokens | null): void;
}

export const localTokenStore: TokenStore = {
  load() {
    const raw = globalThis.localStorage?.getItem("parley.tokens");
    return raw ? (JSON.parse(raw) as Tokens) : null;
  },
  save(tokens) {
    if (tokens) globalThis.localStorage?.setItem("parley.tokens", JSON.stringify(tokens));
    else globalThis.localStorage?.removeItem("parley.tokens");
  },
};

/** How a request travels and what came back; see `Api.send`. */
export type Transport = (url: string, headers: Record<string, string>) => Promise<{ status: number; statusText: string; text: string }>;

/** A body as JSON, or nothing when it is empty or not JSON (a proxy's HTML error page). */
function parsed(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The longest a rate limit is waited out for the person before their request fails. */
const MAX_RATE_LIMIT_WAIT_S = 6;

export class Api {
  tokens: Tokens | null;
  private refreshing: Promise<boolean> | null = null;

  constructor(
    private readonly store: TokenStore = localTokenStore,
    private readonly base = "/api/v10",
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {
    this.tokens = store.load();
  }

  get signedIn(): boolean {
    return this.tokens !== null;
  }

  setTokens(tokens: Tokens | null): void {
    this.tokens = tokens;
    this.store.save(tokens);
  }

  async request<T>(method: string, path: string, body?: unknown, retry = true): Promise<T> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    return this.send<T>(
      path,
      async (url, headers) => {
        if (json !== undefined) headers["Content-Type"] = "application/json";
        let response: Response;
        try {
          response = await this.fetcher(url, { method, headers, body: json });
        } catch {
          throw new ApiError(0, 0, "Parley cannot be reached. Check your connection and try again.");
        }
        return { status: response.status, statusText: response.statusText, text: response.status === 204 ? "" : await response.text() };
      },
      retry,
    );
  }

  /** One request through `transport` (fetch for `request`; an upload goes by
   * XMLHttpRequest, which reports progress): the token attached, one refresh and retry when
   * it has expired, one wait and retry on a short rate limit, and a failure as ApiError.
   * The transport may be called again for a retry. */
  async send<T>(path: string, transport: Transport, retry = true): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.tokens) headers.Authorization = `Bearer ${this.tokens.access_token}`;
    const response = await transport(`${this.base}${path}`, headers);
    if (response.status === 401 && retry && this.tokens && path !== "/auth/refresh") {
      if (await this.refresh()) return this.send<T>(path, transport, false);
    }
    if (response.status === 204) return undefined as T;
    const json = parsed(response.text);
    if (response.status < 200 || response.status >= 300) {
      const error = (json ?? {}) as { code?: number; message?: string; errors?: FieldErrors; retry_after?: number };
      // Rate limited (sending faster than a channel allows): wait as the server says, once,
      // when that is short; a longer wait is the person's to decide.
      const wait = error.retry_after;
      if (response.status === 429 && retry && typeof wait === "number" && wait <= MAX_RATE_LIMIT_WAIT_S) {
        await this.sleep(Math.ceil(wait * 1000));
        return this.send<T>(path, transport, false);
      }
      throw new ApiError(response.status, error.code ?? 0, error.message ?? (response.statusText || `The server answered ${response.status}.`), error.errors);
    }
    return json as T;
  }

  /** Spends the refresh token once, however many requests found the access token expired. */
  private refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      try {
        const tokens = await this.request<Tokens>("POST", "/auth/refresh", { refresh_token: this.tokens?.refresh_token }, false);
        this.setTokens(tokens);
        return true;
      } catch {
        this.setTokens(null);
        return false;
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  /** `bootstrap`: the token of the setup link that makes the first account of a new instance
   * its admin (when others can reach it). */
  async register(username: string, password: string, invite?: string, bootstrap?: string): Promise<void> {
    const body = { username, password, invite: invite || undefined, bootstrap_token: bootstrap || undefined };
    this.setTokens(await this.request<Tokens>("POST", "/auth/register", body));
  }

  async login(login: string, password: string): Promise<void> {
    this.setTokens(await this.request<Tokens>("POST", "/auth/login", { login, password }));
  }

  async logout(): Promise<void> {
    try {
      await this.request("POST", "/auth/logout");
    } finally {
      this.setTokens(null);
    }
  }
}
