package jvisor.initgen;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.RoundEnvironment;
import javax.annotation.processing.SupportedAnnotationTypes;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.AnnotationMirror;
import javax.lang.model.element.AnnotationValue;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.TypeKind;
import javax.tools.Diagnostic;

/**
 * Builds {@code jvisor.core.InitTable} from every method annotated {@code @InitFunction}.
 *
 * <p>BitVisor places each {@code INITFUNC("driver1", fn)} in a linker section and sorts the
 * section at start-up. Here each subsystem annotates its own method and this processor writes
 * the sorted table at compile time, so nothing is discovered by reflection or classpath scanning
 * at run time, and a malformed init function is a compile error.
 */
@SupportedAnnotationTypes(InitTableProcessor.ANNOTATION)
public final class InitTableProcessor extends AbstractProcessor {
    static final String ANNOTATION = "jvisor.core.InitFunction";
    private static final String PROCESSOR_PARAMETER = "jvisor.core.Processor";
    private static final String PACKAGE = "jvisor.core";
    private static final String TABLE = "InitTable";

    private record Entry(String stage, int stageOrdinal, int order, String owner, String method) {
        String name() { return owner + "." + method; }
    }

    private final List<Entry> entries = new ArrayList<>();
    private boolean written;

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        TypeElement annotation = processingEnv.getElementUtils().getTypeElement(ANNOTATION);
        if (annotation != null) {
            for (Element element : round.getElementsAnnotatedWith(annotation)) {
                collect(element, annotation);
            }
        }
        if (round.processingOver() && !written) {
            written = true;
            write();
        }
        return true;
    }

    private void collect(Element element, TypeElement annotation) {
        if (element.getKind() != ElementKind.METHOD) {
            error(element, "@InitFunction belongs on a method");
            return;
        }
        var method = (ExecutableElement) element;
        var modifiers = method.getModifiers();
        boolean parameterOk = method.getParameters().size() == 1
                && method.getParameters().getFirst().asType().toString().equals(PROCESSOR_PARAMETER);
        if (!modifiers.contains(Modifier.STATIC) || modifiers.contains(Modifier.PRIVATE)
                || method.getReturnType().getKind() != TypeKind.VOID || !parameterOk) {
            error(element, "an init function must be 'static void " + method.getSimpleName()
                    + "(Processor)' and not private");
            return;
        }
        AnnotationMirror mirror = element.getAnnotationMirrors().stream()
                .filter(m -> m.getAnnotationType().asElement().equals(annotation))
                .findFirst().orElseThrow();
        VariableElement stage = null;
        int order = 0;
        for (var e : processingEnv.getElementUtils().getElementValuesWithDefaults(mirror).entrySet()) {
            AnnotationValue value = e.getValue();
            switch (e.getKey().getSimpleName().toString()) {
                case "stage" -> stage = (VariableElement) value.getValue();
                case "order" -> order = (Integer) value.getValue();
                default -> { }
            }
        }
        if (stage == null) {
            error(element, "@InitFunction needs a stage");
            return;
        }
        if (order < 0 || order > 9) {
            error(element, "@InitFunction order is BitVisor's digit suffix: 0 to 9");
            return;
        }
        var owner = (TypeElement) method.getEnclosingElement();
        String ownerPackage = processingEnv.getElementUtils().getPackageOf(owner).getQualifiedName().toString();
        if (!ownerPackage.equals(PACKAGE) && !(modifiers.contains(Modifier.PUBLIC)
                && owner.getModifiers().contains(Modifier.PUBLIC))) {
            error(element, "an init function outside " + PACKAGE + " must be public, in a public class,"
                    + " so the generated table can call it");
            return;
        }
        entries.add(new Entry(stage.getSimpleName().toString(), ordinalOf(stage), order,
                owner.getQualifiedName().toString(), method.getSimpleName().toString()));
    }

    private static int ordinalOf(VariableElement constant) {
        int ordinal = 0;
        for (Element sibling : constant.getEnclosingElement().getEnclosedElements()) {
            if (sibling.getKind() == ElementKind.ENUM_CONSTANT) {
                if (sibling.equals(constant)) {
                    return ordinal;
                }
                ordinal++;
            }
        }
        throw new IllegalStateException("not an enum constant: " + constant);
    }

    private void write() {
        entries.sort(Comparator.comparingInt(Entry::stageOrdinal)
                .thenComparingInt(Entry::order)
                .thenComparing(Entry::name));
        try (PrintWriter out = new PrintWriter(
                processingEnv.getFiler().createSourceFile(PACKAGE + "." + TABLE).openWriter())) {
            out.println("package " + PACKAGE + ";");
            out.println();
            out.println("import java.util.List;");
            out.println();
            out.println("/** Every init function, sorted by stage, order and name. Generated; do not edit. */");
            out.println("@javax.annotation.processing.Generated(\"" + getClass().getName() + "\")");
            out.println("final class " + TABLE + " {");
            out.println("    private " + TABLE + "() { }");
            out.println();
            out.println("    static final List<InitFunc> ALL = List.of(");
            for (int i = 0; i < entries.size(); i++) {
                Entry e = entries.get(i);
                out.printf("            new InitFunc(Stage.%s, %d, \"%s\", %s::%s)%s%n",
                        e.stage(), e.order(), e.name(), e.owner(), e.method(),
                        i + 1 < entries.size() ? "," : "");
            }
            out.println("    );");
            out.println("}");
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                    "cannot write " + TABLE + ": " + e.getMessage());
        }
    }

    private void error(Element element, String message) {
        processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR, message, element);
    }
}
