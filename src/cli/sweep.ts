export async function sweepCommand(_argv: string[], _study: unknown): Promise<number> {
  return 0;
}
