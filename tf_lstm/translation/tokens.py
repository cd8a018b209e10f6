"""The four reserved tokens every vocabulary starts with, and their ids.

They live in a module of their own, free of TensorFlow, so that the model
(`tf_lstm.translation.model`) imports on any Keras backend:

    0  ""         padding (never a real token; masked in loss and accuracy)
    1  "[UNK]"    any word not in the vocabulary
    2  "[START]"  first decoder input
    3  "[END]"    last decoder target; decoding stops there
"""

PAD, UNK, START, END = "", "[UNK]", "[START]", "[END]"
PAD_ID, UNK_ID, START_ID, END_ID = 0, 1, 2, 3
RESERVED = (PAD, UNK, START, END)
