/**
 * Run configurations: the typed, validated YAML configs of each task ({@code task: lm} or {@code sentiment}), their
 * defaults, {@code --set} overrides, and the resolved config written into every run folder and model file.
 */
package org.rnnlab.config;
