"""`python -m tf_lstm`: the `tf-lstm` command line (`tf_lstm.cli`)."""

import sys

from tf_lstm.cli import main

if __name__ == "__main__":
    sys.exit(main())
