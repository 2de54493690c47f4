/** Nest injection tokens for what the kit provides. Always inject with @Inject(TOKEN). */
export const RUNTIME = Symbol('genlake.runtime');
