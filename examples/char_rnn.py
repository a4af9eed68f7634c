"""Character-level text generation with an LSTM, offline, with kcore.

Keras's classic ``lstm_text_generation.py`` learns Nietzsche one character at
a time; this script writes its own corpus instead (short sentences from a tiny
grammar, so nothing is downloaded) and follows the same recipe: windows of
``--maxlen`` characters, one-hot encoded, each labelled with the character that
follows; ``LSTM`` -> ``Dense(softmax)`` trained with RMSprop on categorical
crossentropy; then text is generated from a seed by sampling the next
character at a few temperatures.

    python examples/char_rnn.py               # about 20 epochs, a minute or two
    python examples/char_rnn.py --epochs 1    # a quick smoke run
"""
import argparse
import time

import numpy as np

SUBJECTS = ['the cat', 'a dog', 'the old man', 'my sister', 'the little bird', 'a farmer', 'the queen']
VERBS = ['sat on', 'looked at', 'ran to', 'sang to', 'slept by', 'walked past', 'dreamed of']
OBJECTS = ['the mat', 'the door', 'a tree', 'the river', 'the moon', 'a red barn', 'the hill']


def make_corpus(sentences=600, seed=0):
    """Sentences from the grammar above, one per line."""
    rng = np.random.default_rng(seed)
    lines = ['%s %s %s.' % (rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS))
             for _ in range(sentences)]
    return '\n'.join(lines) + '\n'


def vectorize(text, maxlen, step, chars):
    """Windows of ``maxlen`` one-hot characters and the one-hot character after each."""
    index = {c: i for i, c in enumerate(chars)}
    starts = range(0, len(text) - maxlen, step)
    x = np.zeros((len(starts), maxlen, len(chars)), dtype='float32')
    y = np.zeros((len(starts), len(chars)), dtype='float32')
    for n, s in enumerate(starts):
        for t, c in enumerate(text[s:s + maxlen]):
            x[n, t, index[c]] = 1
        y[n, index[text[s + maxlen]]] = 1
    return x, y


def sample(probabilities, temperature, rng):
    """Draw an index from ``probabilities`` sharpened (< 1) or flattened (> 1) by ``temperature``."""
    logits = np.log(np.maximum(np.asarray(probabilities, dtype='float64'), 1e-12)) / temperature
    p = np.exp(logits - logits.max())
    return int(rng.choice(len(p), p=p / p.sum()))


def generate(model, seed_text, length, chars, temperature, rng):
    """``length`` characters continuing ``seed_text`` (as long as the model's window)."""
    index = {c: i for i, c in enumerate(chars)}
    window = seed_text
    out = []
    for _ in range(length):
        x = np.zeros((1, len(window), len(chars)), dtype='float32')
        for t, c in enumerate(window):
            x[0, t, index[c]] = 1
        nxt = chars[sample(model.predict(x, verbose=0)[0], temperature, rng)]
        out.append(nxt)
        window = window[1:] + nxt
    return ''.join(out)


def build_model(maxlen, num_chars, units=64):
    import kcore
    from kcore.layers import LSTM, Dense
    return kcore.models.Sequential([
        kcore.Input(shape=(maxlen, num_chars)),
        LSTM(units),
        Dense(num_chars, activation='softmax'),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=20)
    parser.add_argument('--sentences', type=int, default=600, help='sentences in the corpus')
    parser.add_argument('--maxlen', type=int, default=24, help='characters the model reads')
    parser.add_argument('--step', type=int, default=3, help='stride between training windows')
    parser.add_argument('--generate', type=int, default=120, help='characters to generate per temperature')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--verbose', default='2', help="1 (bar), 2 (a line per epoch), 0 or 'auto'")
    args = parser.parse_args(argv)

    import kcore
    kcore.utils.set_random_seed(args.seed)
    text = make_corpus(args.sentences, args.seed)
    chars = sorted(set(text))
    x, y = vectorize(text, args.maxlen, args.step, chars)
    print('corpus of %d characters, %d distinct; %d windows of %d' % (len(text), len(chars), len(x), args.maxlen))

    model = build_model(args.maxlen, len(chars))
    model.compile(optimizer=kcore.optimizers.RMSprop(learning_rate=0.01), loss='categorical_crossentropy')
    verbose = args.verbose if args.verbose == 'auto' else int(args.verbose)
    start = time.time()
    history = model.fit(x, y, batch_size=128, epochs=args.epochs, verbose=verbose)
    print('Trained in %.1f s.' % (time.time() - start))

    rng = np.random.default_rng(args.seed)
    begin = int(rng.integers(0, len(text) - args.maxlen - 1))
    seed_text = text[begin:begin + args.maxlen]
    samples = {}
    for temperature in (0.2, 0.5, 1.0):
        samples[temperature] = generate(model, seed_text, args.generate, chars, temperature, rng)
        print('----- temperature %.1f, seed %r\n%s%s' % (temperature, seed_text, seed_text, samples[temperature]))
    return history.history['loss'], samples


if __name__ == '__main__':
    main()
