// A ProviderIo (src/oidc/ports.ts) for unit tests: its HTTP client answers from a script of canned
// responses, in order, and logs every request; its observer records secrets and deviations
// (test/helpers/observer.ts). Nothing touches the network, and a request the script does not
// expect fails the test.
import type { HttpResponse, ProviderIo, RequestOptions } from "../../src/oidc/ports.js";
import { type RecordingObserver, recordingObserver } from "../helpers/observer.js";

/** One scripted answer: a response, an error to throw (a network failure), or a function of the request. */
export type Answer = HttpResponse | Error | ((url: string, opts: RequestOptions) => HttpResponse);

export interface FakeIo extends ProviderIo, RecordingObserver {
  /** Every request made, in order. */
  requests: { url: string; opts: RequestOptions }[];
}

export function fakeIo(...answers: Answer[]): FakeIo {
  const observer = recordingObserver();
  const requests: FakeIo["requests"] = [];
  const script = [...answers];
  return {
    ...observer,
    requests,
    http: {
      async request(url, opts) {
        requests.push({ url, opts });
        const next = script.shift();
        if (next === undefined) throw new Error(`unexpected request ${opts.method ?? "GET"} ${url} (${opts.what})`);
        if (next instanceof Error) throw next;
        return typeof next === "function" ? next(url, opts) : next;
      },
    },
  };
}

/** A JSON response. */
export const json = (status: number, body: unknown, headers: Record<string, string> = {}, url = "https://op.example/x"): HttpResponse => ({
  status,
  headers: { "content-type": "application/json", ...headers },
  text: typeof body === "string" ? body : JSON.stringify(body),
  url,
});

/** A response of any type. */
export const response = (
  status: number,
  text: string,
  headers: Record<string, string> = {},
  url = "https://op.example/x",
): HttpResponse => ({
  status,
  headers,
  text,
  url,
});
