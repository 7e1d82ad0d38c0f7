"""The 2018 tutorial's training entry script, kept under its name so the tutorial's job files run unmodified.

`python train_distributed.py --input_dir D --model_dir M --num_epochs N` is `landcover train ...`.
"""

import sys

from landcover.cli import main

if __name__ == "__main__":
    sys.argv = ["landcover", "train", *sys.argv[1:]]
    main()
