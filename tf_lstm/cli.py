"""Command line: `python -m tf_lstm demo | verify`.

`demo` is the main job (`make demo`): for now it runs the verification of the
from-scratch LSTMs against `keras.layers.LSTM` and prints it as a table,
exiting non-zero if any check misses its tolerance.
"""

import argparse
import sys


def _verify(args):
    from tf_lstm import verify  # imported late: TensorFlow is slow to load

    print("Verifying the from-scratch LSTMs against keras.layers.LSTM "
          f"(same weights, {len(verify.SHAPES)} shapes x go_backwards x mask x "
          "initial state)...\n", flush=True)
    rows = verify.run_verification(seed=args.seed)
    print(verify.format_table(rows))
    failed = [r for r in rows if not r.passed]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} checks within tolerance.")
    return 1 if failed else 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tf_lstm", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, help_text in (("demo", "the main job: everything runnable offline"),
                            ("verify", "scratch LSTMs vs Keras, forward and backward")):
        sub = commands.add_parser(name, help=help_text)
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        sub.set_defaults(run=_verify)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
