package jvisor.debug.trace;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The calls seen, merged by path: one node per distinct chain of callers, with how often it ran
 * and its total guest time. Each processor has its own root and only its own thread touches its
 * nodes, so recording needs no locks.
 */
public final class CallTree {
    /** One function at one place in the tree. */
    public static final class Node {
        private final int symbol;
        private final int depth;
        private final Map<Integer, Node> children = new LinkedHashMap<>();
        private long calls;
        private long nanos;

        Node(int symbol, int depth) {
            this.symbol = symbol;
            this.depth = depth;
        }

        public int symbol() {
            return symbol;
        }

        public int depth() {
            return depth;
        }

        public long calls() {
            return calls;
        }

        public long nanos() {
            return nanos;
        }

        public Map<Integer, Node> children() {
            return children;
        }

        void add(long duration) {
            calls++;
            nanos += duration;
        }
    }

    private final Node[] roots;

    public CallTree(int processors) {
        roots = new Node[processors];
        for (int i = 0; i < processors; i++) {
            roots[i] = new Node(-1, 0);
        }
    }

    Node root(int processor) {
        return roots[processor];
    }

    public Node rootOf(int processor) {
        return roots[processor];
    }

    Node child(Node parent, int symbol) {
        Node n = parent.children.get(symbol);
        if (n == null) {
            n = new Node(symbol, parent.depth + 1);
            parent.children.put(symbol, n);
        }
        return n;
    }

    /**
     * Prints every processor's tree, {@code maxDepth} levels deep (0: all), only below functions
     * whose names start with {@code filter} (null: everything), one line per node:
     * {@code name  total µs  (calls)}.
     */
    public void print(PrintStream out, Symbols symbols, int maxDepth, String filter) {
        for (int p = 0; p < roots.length; p++) {
            if (roots[p].children.isEmpty()) {
                continue;
            }
            out.println("call tree of processor " + p + " (guest time; calls where more than one):");
            for (Node n : roots[p].children.values()) {
                print(out, symbols, n, 0, maxDepth, filter);
            }
        }
    }

    private static void print(PrintStream out, Symbols symbols, Node n, int level, int maxDepth, String filter) {
        String name = symbols.name(n.symbol);
        if (filter != null && !name.startsWith(filter)) {
            for (Node c : n.children.values()) {
                print(out, symbols, c, level, maxDepth, filter); // look deeper for a match
            }
            return;
        }
        out.println("  ".repeat(level + 1) + name + "  " + micros(n.nanos) + (n.calls > 1 ? "  (" + n.calls + " calls)" : ""));
        if (maxDepth > 0 && level + 1 >= maxDepth) {
            return;
        }
        for (Node c : n.children.values()) {
            print(out, symbols, c, level + 1, maxDepth, null);
        }
    }

    private static String micros(long nanos) {
        return nanos >= 10_000_000 ? String.format("%.1f ms", nanos / 1e6) : String.format("%.1f µs", nanos / 1e3);
    }
}
