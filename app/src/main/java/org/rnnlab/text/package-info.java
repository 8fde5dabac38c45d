/** Text handling shared by the tasks: vocabularies and the review tokenizer/encoder. */
package org.rnnlab.text;
