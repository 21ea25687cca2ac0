// The one way a unit test expects a failure: the code under test must throw (or reject with) an
// OidcError, which is returned for the test to check its exit code, check, remedy and message.
// Anything else it throws is rethrown, so an unexpected TypeError fails the test as itself.
import { OidcError } from "../../src/errors.js";

/** Run `fn`; return the OidcError it throws, fail when it throws something else or nothing. */
export function oidcError(fn: () => unknown): OidcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OidcError) return e;
    throw e;
  }
  throw new Error("expected an OidcError, but nothing was thrown");
}

/**
 * Await `p`; return the OidcError it rejects with, fail when it rejects with something else or
 * resolves. Given a function, a synchronous throw from it counts as the rejection (a function that
 * returns a promise may check its arguments before it has one).
 */
export async function oidcErrorAsync(p: Promise<unknown> | (() => Promise<unknown>)): Promise<OidcError> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (e) {
    if (e instanceof OidcError) return e;
    throw e;
  }
  throw new Error("expected an OidcError, but the promise resolved");
}
