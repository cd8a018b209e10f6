"""What only the notebooks use: measurements, toy tasks and figures (§1–§6).

    gradients         gradient flow through time (SimpleRNN vs LSTM), one clipped update (§2)
    adding_problem    the adding problem (Hochreiter & Schmidhuber 1997) and its training (§2)
    cost              parameter and FLOP counts, the interleaved timer (§5)
    masks             padding, masks, truncation, missing values (§4, §6)
    faq_data          small seeded data sets for the FAQ's demonstrations (§6)
    seq2seq           the seq2seq core by hand: Luong attention, search on a toy table, BLEU (§1, §4)
    style             the notebooks' set-up line (`FAST = style.setup()`), one colour per model
    figures, figures_dynamics, figures_cost, figures_faq
                      the notebooks' figures, by lesson
    figures_seq2seq   the encoder–decoder lesson's figures (teacher forcing, attention scaling)

Nothing in `tf_lstm` or `tf_lstm.translation` imports this package; import
its modules directly (`from tf_lstm.lessons import gradients`).
"""
