// Expecting an OidcError, the CLI's error with an exit code: the error itself, to check its exit
// code, message and hint. Anything else that is thrown is rethrown; nothing thrown fails the test.
import { OidcError } from "../../src/errors.js";

/** The OidcError `fn` throws. */
export function oidcError(fn: () => unknown): OidcError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OidcError) return e;
    throw e;
  }
  throw new Error("expected an OidcError");
}

/** The OidcError `p` rejects with. */
export async function oidcErrorAsync(p: Promise<unknown>): Promise<OidcError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof OidcError) return e;
    throw e;
  }
  throw new Error("expected an OidcError");
}
