/** Text generation from a language model: seed text, temperature, top-k, a fixed random seed, stop at {@code <eos>}. */
package org.rnnlab.generate;
