package jvisor.core;

import java.util.function.Consumer;

/** One entry of the init-function table. */
public record InitFunc(Stage stage, int order, String name, Consumer<Processor> body) { }
