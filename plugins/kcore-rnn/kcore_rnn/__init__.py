"""kcore-rnn: recurrent layers (SimpleRNN, LSTM, GRU, RNN cells, Bidirectional, TimeDistributed)."""
