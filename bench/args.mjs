// The bench scripts' one kind of option: `--name N`, a number, taken out of `args` (so what is
// left is the positional arguments) or `dflt` when absent.
export function numberOption(args, name, dflt) {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  args.splice(i, 2);
  return v;
}
