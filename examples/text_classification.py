"""Topic classification of short texts with a Tokenizer, offline, with kcore.

Keras's reuters_mlp reads Reuters newswires; this script writes its own small corpus
of three topics (sport, finance, weather) from topic words mixed with common words.
The pipeline is the Keras one: ``Tokenizer(num_words=...)`` fitted on the training
texts, ``texts_to_matrix(mode='tfidf')`` for a bag-of-words MLP, and
``texts_to_sequences`` + ``pad_sequences`` for an Embedding + pooling model.

    python examples/text_classification.py              # a few seconds
    python examples/text_classification.py --epochs 1   # a quick smoke run
"""
import argparse

import numpy as np

import kcore
from kcore.preprocessing.sequence import pad_sequences
from kcore.preprocessing.text import Tokenizer
from kcore.utils import to_categorical

TOPICS = {
    'sport': 'match goal team player coach season league score win referee stadium cup'.split(),
    'finance': 'market stock bank price shares profit investor rate bond trading loss fund'.split(),
    'weather': 'rain storm wind forecast sunny cloud snow temperature cold warm flood front'.split(),
}
COMMON = 'the a of and to in on was is it for with this that at by from after today report said'.split()


def make_corpus(n, rng):
    names = sorted(TOPICS)
    texts, labels = [], []
    for _ in range(n):
        label = rng.randint(len(names))
        words = list(rng.choice(TOPICS[names[label]], size=rng.randint(3, 7)))
        words += list(rng.choice(COMMON, size=rng.randint(6, 14)))
        rng.shuffle(words)
        texts.append(' '.join(words).capitalize() + '.')
        labels.append(label)
    return texts, np.array(labels), names


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--samples', type=int, default=600)
    args = p.parse_args(argv)
    kcore.utils.set_random_seed(0)
    rng = np.random.RandomState(0)
    texts, labels, names = make_corpus(args.samples, rng)
    split = int(0.8 * len(texts))
    tokenizer = Tokenizer(num_words=200, oov_token='<unk>')
    tokenizer.fit_on_texts(texts[:split])
    y = to_categorical(labels, len(names))

    x = tokenizer.texts_to_matrix(texts, mode='tfidf').astype('float32')
    mlp = kcore.Sequential([kcore.layers.Dense(32, activation='relu', input_shape=(x.shape[1],)),
                            kcore.layers.Dense(len(names), activation='softmax')])
    mlp.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
    mlp.fit(x[:split], y[:split], epochs=args.epochs, batch_size=32, verbose=0)
    mlp_acc = mlp.evaluate(x[split:], y[split:], verbose=0)[1]

    seqs = pad_sequences(tokenizer.texts_to_sequences(texts), maxlen=20)
    emb = kcore.Sequential([kcore.layers.Embedding(200, 16, input_length=20),
                            kcore.layers.GlobalAveragePooling1D(),
                            kcore.layers.Dense(len(names), activation='softmax')])
    emb.compile('adam', 'categorical_crossentropy', metrics=['accuracy'])
    emb.fit(seqs[:split], y[:split], epochs=args.epochs * 2, batch_size=32, verbose=0)
    emb_acc = emb.evaluate(seqs[split:], y[split:], verbose=0)[1]
    print('vocabulary: %d words; tf-idf MLP test accuracy: %.3f; embedding test accuracy: %.3f'
          % (len(tokenizer.word_index), mlp_acc, emb_acc))
    return mlp_acc, emb_acc


if __name__ == '__main__':
    main()
