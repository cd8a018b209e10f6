"""`python -m benchmarks` (`make bench`): the LSTM layer speed benchmark (see layers.py)."""

import sys

from benchmarks import layers

sys.exit(layers.main())
