package dev.lifeboat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

import java.io.IOException;
import java.io.InputStream;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.WildcardType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Native-build evidence without the toolchain: the Quarkus native build steps ran with
 * {@code -Dquarkus.native.sources-only=true} (profile {@code native-sources}, which bin/test and CI use) and wrote the
 * native-image configuration into {@code target/native-sources}; every Lifeboat class Jackson serialises or reads at
 * run time must be registered for reflection there, and every resource the agent serves must be included, or the
 * native binary would write "{}" or fail where the JVM works.
 *
 * <p>What is serialised is found in the compiled classes, not listed by hand: classes carrying Jackson annotations,
 * what the REST resources return, class literals passed to an {@code ObjectMapper} read, and the parameter and local
 * variable types of methods that call an {@code ObjectMapper}/{@code ObjectWriter} write; then, transitively, their
 * record components, fields, generic arguments and sealed subtypes.
 */
@EnabledIfSystemProperty(named = NativeRegistrationIT.SOURCES, matches = ".+",
        disabledReason = "needs the native sources: ./mvnw verify -Pnative-sources (bin/test does)")
class NativeRegistrationIT {
    static final String SOURCES = "lifeboat.native.sources";
    static final Path CLASSES = Path.of("target/classes");
    static Set<String> registered;
    static List<Pattern> resources;

    @BeforeAll
    static void readGeneratedConfiguration() throws IOException {
        Path dir = Path.of(System.getProperty(SOURCES));
        Path jar;
        try (Stream<Path> files = Files.list(dir)) {
            jar = files.filter(f -> f.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new AssertionError("no *-runner.jar in " + dir + ": did the native-sources build run?"));
        }
        assertTrue(Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(Path.of("target/quarkus-app/quarkus-run.jar"))) >= 0
                || Math.abs(Files.getLastModifiedTime(jar).toMillis() - Files.getLastModifiedTime(Path.of("target/quarkus-app/quarkus-run.jar")).toMillis()) < 600_000,
                jar + " is older than the packaged application: a stale native-sources build");
        ObjectMapper json = new ObjectMapper();
        registered = new HashSet<>();
        resources = new java.util.ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (var e : java.util.Collections.list(zip.entries())) {
                String name = e.getName();
                if (name.startsWith("META-INF/native-image/") && name.endsWith("reflect-config.json")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        json.readTree(in).forEach(entry -> registered.add(entry.path("name").asText()));
                    }
                } else if (name.startsWith("META-INF/native-image/") && name.endsWith("resource-config.json")) {
                    try (InputStream in = zip.getInputStream(e)) {
                        JsonNode includes = json.readTree(in).path("resources").path("includes");
                        includes.forEach(i -> resources.add(Pattern.compile(i.path("pattern").asText())));
                    }
                }
            }
        }
        assertTrue(registered.size() > 100, "reflect-config.json holds " + registered.size() + " classes");
    }

    @Test
    void everyClassJacksonWritesOrReadsIsRegisteredForReflection() throws Exception {
        Set<Class<?>> serialised = serialisedClasses();
        assertTrue(serialised.size() > 20, "found only " + serialised + ": the scan itself is broken");
        Set<String> missing = new TreeSet<>();
        for (Class<?> c : serialised) {
            if (!registered.contains(c.getName())) {
                missing.add(c.getName());
            }
        }
        assertEquals(Set.of(), missing, "serialised by Jackson at run time but not in the native reflection configuration "
                + "(add @RegisterForReflection): ");
    }

    @Test
    void everyResourceTheAgentServesIsIncluded() throws IOException {
        Path served = Path.of("src/main/resources/META-INF/resources");
        try (Stream<Path> files = Files.walk(served)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String name = "META-INF/resources/" + served.relativize(f).toString().replace('\\', '/');
                assertTrue(resources.stream().anyMatch(p -> p.matcher(name).matches()),
                        name + " is not in the native resource configuration");
            }
        }
    }

    /** The Lifeboat classes Jackson handles, found from the roots described in the class comment. */
    static Set<Class<?>> serialisedClasses() throws Exception {
        Set<Class<?>> roots = new HashSet<>();
        List<Path> classFiles;
        try (Stream<Path> files = Files.walk(CLASSES)) {
            classFiles = files.filter(f -> f.toString().endsWith(".class")).toList();
        }
        for (Path f : classFiles) {
            String name = CLASSES.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
            Class<?> c;
            try {
                c = Class.forName(name, false, NativeRegistrationIT.class.getClassLoader());
            } catch (Throwable notLoadable) {
                continue;
            }
            if (c.isSynthetic() || c.getName().contains("$$") || c.getName().contains("_")) {
                continue; // generated by Quarkus/ArC, registered by Quarkus itself
            }
            if (hasJacksonAnnotation(c)) {
                roots.add(c);
            }
            if (c.isAnnotationPresent(jakarta.ws.rs.Path.class)) {
                for (Method m : c.getDeclaredMethods()) {
                    if (Modifier.isPublic(m.getModifiers()) && Stream.of(m.getAnnotations()).anyMatch(a ->
                            a.annotationType().isAnnotationPresent(jakarta.ws.rs.HttpMethod.class))) {
                        collect(m.getGenericReturnType(), roots);
                    }
                }
            }
        }
        Set<String> readers = new HashSet<>();
        Set<String> writers = new HashSet<>();
        for (boolean findHelpers : new boolean[] {true, false}) {
            for (Path f : classFiles) {
                try (InputStream in = Files.newInputStream(f)) {
                    new ClassReader(in).accept(new SerialisationSites(roots, readers, writers, findHelpers), 0);
                }
            }
        }
        Set<Class<?>> all = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>(roots);
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (!lifeboat(c) || !all.add(c)) {
                continue;
            }
            Set<Class<?>> next = new HashSet<>();
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    if (!rc.isAnnotationPresent(com.fasterxml.jackson.annotation.JsonIgnore.class)) {
                        collect(rc.getGenericType(), next);
                    }
                }
            } else if (!c.isEnum() && !c.isInterface()) {
                for (Field field : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(field.getModifiers()) && !Modifier.isTransient(field.getModifiers())
                            && (Modifier.isPublic(field.getModifiers()) || hasJacksonAnnotation(field))) {
                        collect(field.getGenericType(), next);
                    }
                }
            }
            if (c.isSealed()) {
                next.addAll(List.of(c.getPermittedSubclasses()));
            }
            todo.addAll(next);
        }
        return all;
    }

    static boolean lifeboat(Class<?> c) {
        return c.getName().startsWith("dev.lifeboat.") && !c.isAnonymousClass() && !c.isInterface()
                || c.getName().startsWith("dev.lifeboat.") && c.isSealed();
    }

    static boolean hasJacksonAnnotation(AnnotatedElement e) {
        for (Annotation a : e.getAnnotations()) {
            if (a.annotationType().getName().startsWith("com.fasterxml.jackson.annotation.")) {
                return true;
            }
        }
        if (e instanceof Class<?> c && !c.isInterface()) {
            for (Field f : c.getDeclaredFields()) {
                if (hasJacksonAnnotation(f)) {
                    return true;
                }
            }
            if (c.isRecord()) {
                for (RecordComponent rc : c.getRecordComponents()) {
                    if (hasJacksonAnnotation(rc)) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** Adds the Lifeboat classes named by {@code type} and its generic arguments. */
    static void collect(java.lang.reflect.Type type, Set<Class<?>> into) {
        switch (type) {
            case Class<?> c when c.isArray() -> collect(c.getComponentType(), into);
            case Class<?> c -> {
                if (c.getName().startsWith("dev.lifeboat.")) {
                    into.add(c);
                }
            }
            case ParameterizedType p -> {
                collect(p.getRawType(), into);
                for (var arg : p.getActualTypeArguments()) {
                    collect(arg, into);
                }
            }
            case GenericArrayType g -> collect(g.getGenericComponentType(), into);
            case WildcardType w -> {
                for (var bound : w.getUpperBounds()) {
                    collect(bound, into);
                }
            }
            default -> {
            }
        }
    }

    /**
     * Finds Jackson reads and writes, direct or through a Lifeboat helper that takes the value as an {@code Object}
     * (or the type as a {@code Class}) and hands it to Jackson; pass 1 finds those helpers, pass 2 the call sites.
     * A write's value is what the instruction just before the call produced (a local, a field, a call's result, a new
     * object); a read's type is any class literal of the calling method.
     */
    static final class SerialisationSites extends ClassVisitor {
        final Set<Class<?>> roots;
        final Set<String> readers;
        final Set<String> writers;
        final boolean findHelpers;
        String owner;

        SerialisationSites(Set<Class<?>> roots, Set<String> readers, Set<String> writers, boolean findHelpers) {
            super(Opcodes.ASM9);
            this.roots = roots;
            this.readers = readers;
            this.writers = writers;
            this.findHelpers = findHelpers;
        }

        static boolean jacksonRead(String owner, String method) {
            return owner.startsWith("com/fasterxml/jackson/databind/Object") && (method.startsWith("readValue")
                    || method.equals("treeToValue") || method.equals("convertValue") || method.equals("readerFor") || method.equals("forType"));
        }

        static boolean jacksonWrite(String owner, String method) {
            return owner.startsWith("com/fasterxml/jackson/databind/Object") && (method.startsWith("writeValue")
                    || method.equals("valueToTree") || method.equals("convertValue"))
                    // a REST resource's entity, which Quarkus REST hands to Jackson
                    || owner.startsWith("jakarta/ws/rs/core/Response") && (method.equals("ok") || method.equals("entity"))
                    || owner.startsWith("org/jboss/resteasy/reactive/RestResponse") && (method.equals("ok") || method.equals("entity"));
        }

        @Override
        public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
            owner = name;
        }

        @Override
        public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
            String self = owner + "." + name + descriptor;
            Set<String> literals = new HashSet<>();
            List<String> written = new java.util.ArrayList<>(); // descriptors, or "local:N" resolved at the end
            java.util.Map<Integer, Set<String>> locals = new java.util.HashMap<>();
            return new MethodVisitor(Opcodes.ASM9) {
                boolean reads;
                String produced;

                @Override
                public void visitLdcInsn(Object value) {
                    if (value instanceof Type t && t.getSort() == Type.OBJECT) {
                        literals.add(t.getDescriptor());
                    }
                    produced = null;
                }

                @Override
                public void visitVarInsn(int opcode, int var) {
                    produced = opcode == Opcodes.ALOAD ? "local:" + var : null;
                }

                @Override
                public void visitFieldInsn(int opcode, String o, String n, String desc) {
                    produced = opcode == Opcodes.GETFIELD || opcode == Opcodes.GETSTATIC ? desc : null;
                }

                @Override
                public void visitTypeInsn(int opcode, String type) {
                    produced = opcode == Opcodes.CHECKCAST ? "L" + type + ";" : null;
                }

                @Override
                public void visitInsn(int opcode) {
                    produced = null;
                }

                @Override
                public void visitIntInsn(int opcode, int operand) {
                    produced = null;
                }

                @Override
                public void visitMethodInsn(int opcode, String o, String method, String desc, boolean itf) {
                    String callee = o + "." + method + desc;
                    if (jacksonRead(o, method) || readers.contains(callee)) {
                        reads = true;
                    }
                    if ((jacksonWrite(o, method) || writers.contains(callee)) && produced != null) {
                        written.add(produced);
                    }
                    if (findHelpers && jacksonRead(o, method) && descriptor.contains("Ljava/lang/Class;")) {
                        readers.add(self);
                    }
                    if (findHelpers && jacksonWrite(o, method) && descriptor.contains("Ljava/lang/Object;")) {
                        writers.add(self);
                    }
                    produced = method.equals("<init>") ? "L" + o + ";" : Type.getReturnType(desc).getDescriptor();
                }

                @Override
                public void visitLocalVariable(String n, String desc, String sig, Label start, Label end, int index) {
                    locals.computeIfAbsent(index, i -> new HashSet<>()).add(desc);
                }

                @Override
                public void visitEnd() {
                    if (findHelpers) {
                        return;
                    }
                    if (reads) {
                        literals.forEach(d -> add(d));
                    }
                    for (String w : written) {
                        if (w.startsWith("local:")) {
                            locals.getOrDefault(Integer.parseInt(w.substring(6)), Set.of()).forEach(d -> add(d));
                        } else {
                            add(w);
                        }
                    }
                }
            };
        }

        void add(String descriptor) {
            Type t = Type.getType(descriptor);
            while (t.getSort() == Type.ARRAY) {
                t = t.getElementType();
            }
            if (t.getSort() == Type.OBJECT && t.getClassName().startsWith("dev.lifeboat.")) {
                try {
                    roots.add(Class.forName(t.getClassName(), false, NativeRegistrationIT.class.getClassLoader()));
                } catch (ClassNotFoundException | LinkageError ignored) {
                    // a type only the compiler saw
                }
            }
        }
    }
}
