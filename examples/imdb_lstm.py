"""Sentiment classification of movie reviews with an LSTM, offline, with kcore.

Keras's classic ``imdb_lstm.py`` reads the IMDB reviews, which would need a
download; this script writes its own small IMDB-style corpus instead: reviews
of neutral words with a few opinion words, where ``not`` flips the opinion of
the word after it ("not good" is negative), so word order matters and a bag of
words is not enough.  The pipeline is Keras's: a word index, reviews as lists
of word ids, ``pad_sequences``-style left padding with 0, then
``Embedding(mask_zero=True)`` -> ``LSTM`` -> ``Dense(1, sigmoid)`` trained with
Adam on binary crossentropy; the padding is masked, so the LSTM skips it.

    python examples/imdb_lstm.py              # about 10 epochs, under a minute
    python examples/imdb_lstm.py --epochs 2   # a quick smoke run
"""
import argparse
import time

import numpy as np

POSITIVE = ('good great wonderful superb moving brilliant touching funny charming delightful '
            'gripping beautiful clever fresh').split()
NEGATIVE = ('bad awful boring dull terrible weak clumsy tedious predictable bland lifeless '
            'silly messy shallow').split()
NEUTRAL = ('the movie film plot actor actress scene story script director camera music ending '
           'character dialogue cast it was is this a an and of to in with its very quite rather '
           'really seemed felt looked sounded ran cinema screen hour minutes night watched saw '
           'sequel scenes lines role roles').split()
PAD, START, OOV = 0, 1, 2


def make_reviews(n, min_len=8, max_len=60, seed=0):
    """``n`` reviews (lists of words) and labels (1 positive): the sign of the
    opinion words' votes, where ``not`` flips the next opinion word."""
    rng = np.random.default_rng(seed)
    reviews, labels = [], []
    while len(reviews) < n:
        words = list(rng.choice(NEUTRAL, rng.integers(min_len, max_len + 1)))
        score = 0
        for _ in range(rng.integers(1, 4)):
            positive = rng.random() < 0.5
            word = rng.choice(POSITIVE if positive else NEGATIVE)
            vote = 1 if positive else -1
            at = int(rng.integers(0, len(words)))
            if rng.random() < 0.3:
                words[at:at] = ['not', word]
                vote = -vote
            else:
                words[at:at] = [word]
            score += vote
        if score == 0:
            continue
        reviews.append(words)
        labels.append(int(score > 0))
    return reviews, np.array(labels, dtype='float32')


def word_index(reviews):
    """Keras's ``imdb.get_word_index`` layout: the most frequent word gets the smallest id,
    after the reserved ids (0 padding, 1 start, 2 out-of-vocabulary)."""
    counts = {}
    for words in reviews:
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return {w: i + 3 for i, w in enumerate(ranked)}


def encode(reviews, index):
    return [[START] + [index.get(w, OOV) for w in words] for words in reviews]


def pad_sequences(sequences, maxlen):
    """Keras's default: pad and truncate at the start, so the end of each review is kept."""
    out = np.full((len(sequences), maxlen), PAD, dtype='int32')
    for i, seq in enumerate(sequences):
        seq = seq[-maxlen:]
        out[i, maxlen - len(seq):] = seq
    return out


def build_model(vocab_size, maxlen, embed=32, units=32):
    import kcore
    from kcore.layers import LSTM, Dense, Embedding
    return kcore.models.Sequential([
        kcore.Input(shape=(maxlen,), dtype='int32'),
        Embedding(vocab_size, embed, mask_zero=True),
        LSTM(units, dropout=0.2, recurrent_dropout=0.2),
        Dense(1, activation='sigmoid'),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=10)
    parser.add_argument('--samples', type=int, default=4000, help='reviews to write (a fifth is held out)')
    parser.add_argument('--maxlen', type=int, default=64, help='words kept per review')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--learning-rate', type=float, default=3e-3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--verbose', default='2', help="1 (bar), 2 (a line per epoch), 0 or 'auto'")
    args = parser.parse_args(argv)

    import kcore
    kcore.utils.set_random_seed(args.seed)
    reviews, labels = make_reviews(args.samples, seed=args.seed)
    split = len(reviews) * 4 // 5
    index = word_index(reviews[:split])
    x = pad_sequences(encode(reviews, index), args.maxlen)
    x_train, y_train, x_test, y_test = x[:split], labels[:split], x[split:], labels[split:]
    print('%d training and %d held-out reviews, %d words, sequences of %d ids'
          % (len(x_train), len(x_test), len(index), args.maxlen))
    print('a review: %s -> %s' % (' '.join(reviews[0][:16]) + ' ...', 'positive' if labels[0] else 'negative'))

    model = build_model(len(index) + 3, args.maxlen)
    model.compile(optimizer=kcore.optimizers.Adam(learning_rate=args.learning_rate), loss='binary_crossentropy',
                  metrics=['accuracy'])
    verbose = args.verbose if args.verbose == 'auto' else int(args.verbose)
    start = time.time()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1,
              verbose=verbose)
    seconds = time.time() - start
    loss, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print('Trained in %.1f s. Held-out loss: %.4f  held-out accuracy: %.2f%%' % (seconds, loss, 100 * accuracy))
    return accuracy


if __name__ == '__main__':
    main()
