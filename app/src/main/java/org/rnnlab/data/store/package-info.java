/**
 * Where datasets come from: an explicit path, the project's {@code datasets/} folder, a mirror folder or the public
 * address, in that order; archive import and checksum verification.
 */
package org.rnnlab.data.store;
