"""`python -m tf_lstm`: see `tf_lstm.cli`."""

import sys

from tf_lstm.cli import main

sys.exit(main())
