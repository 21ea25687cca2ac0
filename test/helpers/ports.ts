// Loopback ports for tests.
import { type AddressInfo, createServer } from "node:net";

/** A port on 127.0.0.1 that nobody listens on right now (bound, then closed). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
