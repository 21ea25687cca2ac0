/** The environment as the process received it, read-only. */
export type Env = Readonly<Record<string, string | undefined>>;
