package jvisor.core;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks {@code static void name(Processor)} as an init function: BitVisor's
 * {@code INITFUNC("driver1", name)}. The stage is the prefix, {@code order} the digit suffix.
 * An annotation processor collects every such method into the sorted {@code InitTable} at compile
 * time.
 */
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.METHOD)
public @interface InitFunction {
    Stage stage();

    /** BitVisor's digit suffix, 0-9: lower runs first; within one order, by name. */
    int order() default 0;
}
