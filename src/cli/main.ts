/** Entry point placeholder until the CLI lands (issue 4). */
export async function main(_argv: string[]): Promise<number> {
  process.stderr.write('tcptrace: not built yet\n');
  return 2;
}
