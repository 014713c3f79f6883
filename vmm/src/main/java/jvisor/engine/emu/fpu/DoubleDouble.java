package jvisor.engine.emu.fpu;

/**
 * Double-double arithmetic: a value is the unevaluated sum of two doubles (about 106 significant
 * bits), enough to round transcendental results correctly to the x87's 64 bits in nearly every
 * case. Each operation leaves its result in {@link #h} and {@link #l}.
 */
final class DoubleDouble {
    double h;
    double l;

    void set(double hi, double lo) {
        h = hi;
        l = lo;
    }

    void add(double ah, double al, double bh, double bl) {
        double s = ah + bh;
        double v = s - ah;
        double e = (ah - (s - v)) + (bh - v);
        double t = al + bl;
        v = t - al;
        double f = (al - (t - v)) + (bl - v);
        e += t;
        double s2 = s + e;
        e -= s2 - s;
        e += f;
        h = s2 + e;
        l = e - (h - s2);
    }

    void mul(double ah, double al, double bh, double bl) {
        double p = ah * bh;
        double e = Math.fma(ah, bh, -p) + (ah * bl + al * bh);
        h = p + e;
        l = e - (h - p);
    }

    void div(double ah, double al, double bh, double bl) {
        double q1 = ah / bh;
        mul(q1, 0, bh, bl);
        add(ah, al, -h, -l);
        double q2 = h / bh;
        double rh = h;
        double rl = l;
        mul(q2, 0, bh, bl);
        add(rh, rl, -h, -l);
        double q3 = h / bh;
        double s = q1 + q2;
        double e = q2 - (s - q1) + q3;
        h = s + e;
        l = e - (h - s);
    }

    void sqrt(double ah, double al) {
        double x = Math.sqrt(ah);
        double p = x * x;
        double e = Math.fma(x, x, -p);
        double c = (((ah - p) - e) + al) / (2 * x);
        h = x + c;
        l = c - (h - x);
    }
}
