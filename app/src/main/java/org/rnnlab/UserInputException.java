package org.rnnlab;

/**
 * A mistake in what the user gave rnnlab: a file, a flag, a config value, a dataset.
 *
 * <p>The message is shown to the user as one line, without a stack trace, and the command exits
 * with code 2. It must name the file, field or value that is wrong and say what is expected.
 */
public class UserInputException extends RuntimeException {

    public UserInputException(String message) {
        super(message);
    }

    public UserInputException(String message, Throwable cause) {
        super(message, cause);
    }
}
