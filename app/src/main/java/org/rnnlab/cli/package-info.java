/**
 * The command line (picocli): one class per command, each parsing its options, calling the class that does the work
 * and printing the result it returns. {@code Main} maps user mistakes to one line and exit code 2.
 */
package org.rnnlab.cli;
