package dev.lifeboat.config;

import io.smallrye.config.WithName;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Checks the YAML tree's shape (mapping, list or single value) against the {@link LifeboatConfig} interfaces before
 * it is flattened into dotted keys. Flattening alone hides a wrong shape: {@code databases: [a, b]} would become
 * {@code databases[0]=a} and {@code drill: yes} a key that nothing reads. Each value of the wrong shape becomes a
 * problem naming its key path and the expected shape, and is taken out of the tree so the rest is still checked.
 * Keys no interface declares are left for SmallRye's unknown-key check.
 */
final class ConfigShape {
    private sealed interface Shape permits Group, NamedEntries, ValueList, Value {
    }

    /** A settings block: one of the mapping interfaces. */
    private record Group(Class<?> type) implements Shape {
    }

    /** Entries by a name the user picks ({@code databases:}, {@code alerts.sinks:}). */
    private record NamedEntries(Shape entry) implements Shape {
    }

    /** A list of single values; a single value is also accepted (SmallRye splits it at commas). */
    private record ValueList() implements Shape {
    }

    private record Value() implements Shape {
    }

    private final List<ConfigProblem> problems;

    private ConfigShape(List<ConfigProblem> problems) {
        this.problems = problems;
    }

    /** Adds a problem for every value of the wrong shape in {@code root} and removes those values from it. */
    static void check(Map<?, ?> root, List<ConfigProblem> problems) {
        new ConfigShape(problems).checkGroup("", root, LifeboatConfig.class);
    }

    /** Whether {@code node} fits {@code shape}; when not, the problem is recorded and the caller drops the node. */
    private boolean fits(String key, Object node, Shape shape) {
        if (node == null) {
            return true;
        }
        switch (shape) {
            case Group g -> {
                if (node instanceof Map<?, ?> map) {
                    checkGroup(key, map, g.type());
                    return true;
                }
                return wrong(key, node, "a mapping of settings (" + lastName(key) + ": followed by indented key: value lines)");
            }
            case NamedEntries n -> {
                if (node instanceof Map<?, ?> map) {
                    removeMisfits(map, name -> key + "." + name, n.entry());
                    return true;
                }
                return wrong(key, node, n.entry() instanceof Value
                        ? "a mapping of names to values (name: value)"
                        : "a mapping of names to settings (a name such as app: followed by its indented settings)");
            }
            case ValueList l -> {
                if (node instanceof Map<?, ?>) {
                    return wrong(key, node, "a list of values ([a, b] or one '- value' line each)");
                }
                if (node instanceof List<?> list) {
                    boolean ok = true;
                    for (int i = 0; i < list.size(); i++) {
                        if (list.get(i) instanceof Map<?, ?> || list.get(i) instanceof List<?>) {
                            ok = wrong(key + "[" + i + "]", list.get(i), "a single value");
                        }
                    }
                    return ok;
                }
                return true;
            }
            case Value v -> {
                return !(node instanceof Map<?, ?> || node instanceof List<?>) || wrong(key, node, "a single value");
            }
        }
    }

    private boolean wrong(String key, Object node, String expected) {
        // The value itself is never repeated: it may be a secret written at the wrong indentation.
        String found = node instanceof Map<?, ?> ? "a mapping" : node instanceof List<?> ? "a list" : "a single value";
        problems.add(new ConfigProblem(key, "expected " + expected + ", found " + found));
        return false;
    }

    private void checkGroup(String prefix, Map<?, ?> map, Class<?> type) {
        removeMisfits(map, name -> prefix.isEmpty() ? name : prefix + "." + name, name -> shapeOf(type, name));
    }

    private void removeMisfits(Map<?, ?> map, java.util.function.UnaryOperator<String> keyOf, Shape entryShape) {
        removeMisfits(map, keyOf, name -> Optional.of(entryShape));
    }

    private void removeMisfits(Map<?, ?> map, java.util.function.UnaryOperator<String> keyOf,
                               java.util.function.Function<String, Optional<Shape>> shapeOf) {
        for (Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<?, ?> entry = it.next();
            String name = String.valueOf(entry.getKey());
            Optional<Shape> shape = shapeOf.apply(name);
            if (shape.isPresent() && !fits(keyOf.apply(name), entry.getValue(), shape.get())) {
                it.remove();
            }
        }
    }

    /** The shape of the key {@code name} in the mapping interface {@code type}; empty when no method declares it. */
    private static Optional<Shape> shapeOf(Class<?> type, String name) {
        for (Method m : type.getMethods()) {
            if (Modifier.isAbstract(m.getModifiers()) && m.getParameterCount() == 0 && keyName(m).equals(name)) {
                return Optional.of(shapeOf(m.getGenericReturnType()));
            }
        }
        return Optional.empty();
    }

    private static Shape shapeOf(Type type) {
        if (type instanceof ParameterizedType p && p.getRawType() instanceof Class<?> raw) {
            Type[] args = p.getActualTypeArguments();
            if (raw == Optional.class) {
                return shapeOf(args[0]);
            }
            if (Map.class.isAssignableFrom(raw)) {
                return new NamedEntries(shapeOf(args[1]));
            }
            if (Collection.class.isAssignableFrom(raw)) {
                return new ValueList();
            }
        }
        // A settings block is an open mapping interface of this package; a sealed one (Schedule) is a value with a converter.
        if (type instanceof Class<?> c && c.isInterface() && !c.isSealed() && c.getPackage() == LifeboatConfig.class.getPackage()) {
            return new Group(c);
        }
        return new Value();
    }

    /** The YAML key of a mapping method: its {@code @WithName}, else the method name in kebab case (SmallRye's default). */
    private static String keyName(Method m) {
        WithName named = m.getAnnotation(WithName.class);
        return named != null ? named.value() : m.getName().replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(java.util.Locale.ROOT);
    }

    private static String lastName(String key) {
        return key.substring(key.lastIndexOf('.') + 1);
    }
}
