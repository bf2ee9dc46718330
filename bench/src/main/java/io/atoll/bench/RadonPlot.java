package io.atoll.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Line charts as PNG with java.awt only (headless: run with {@code -Djava.awt.headless=true}), for
 * bench/radon's figures: a title, axes (linear or log10, "nice" ticks), one line with markers per
 * series, a legend. If text cannot be drawn (a JDK without usable fonts), the chart is drawn without
 * text rather than not at all.
 */
final class RadonPlot {
    /** One line: its points in data coordinates, drawn in {@code color}; style 0 solid (round markers), 1 dashed (squares), 2 dotted (triangles), 3 dash-dot. */
    record Series(String name, Color color, int style, boolean markers, List<double[]> points) {
    }

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final int xScale;
    private final int yScale;
    private final boolean xLog;
    private final boolean yLog;
    private final List<Series> series = new ArrayList<>();
    private Double yMinFixed;
    private Double yMaxFixed;
    private final List<String> notes = new ArrayList<>();

    /** Scales: {@link #LINEAR}, {@link #LOG2} (ticks at powers of two) or {@link #LOG10}. */
    RadonPlot(String title, String xLabel, String yLabel, int xScale, int yScale) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
        this.xScale = xScale;
        this.yScale = yScale;
        this.xLog = xScale != LINEAR;
        this.yLog = yScale != LINEAR;
    }

    static final int LINEAR = 0;
    static final int LOG2 = 2;
    static final int LOG10 = 10;

    RadonPlot add(Series s) {
        if (!s.points().isEmpty()) {
            series.add(s);
        }
        return this;
    }

    RadonPlot yRange(double min, double max) {
        yMinFixed = min;
        yMaxFixed = max;
        return this;
    }

    /** A line of small text under the chart (machine, method). */
    RadonPlot note(String text) {
        notes.add(text);
        return this;
    }

    static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e),
        new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
    };

    void write(File file) throws IOException {
        BufferedImage img;
        try {
            img = render(true);
        } catch (Throwable e) { // fonts missing: a chart without text is better than none
            System.err.println("RadonPlot: cannot draw text (" + e + "): " + file.getName() + " has no labels");
            img = render(false);
        }
        ImageIO.write(img, "png", file);
    }

    private BufferedImage render(boolean text) {
        int w = 1000;
        int left = 90;
        int right = 250;
        int top = 50;
        List<String> noteLines = new ArrayList<>();
        if (text) { // notes wrapped to the width of the image
            Graphics2D scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics();
            FontMetrics fm = scratch.getFontMetrics(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            for (String n : notes) {
                StringBuilder line = new StringBuilder();
                for (String word : n.split(" ")) {
                    if (line.length() > 0 && fm.stringWidth(line + " " + word) > w - left - 20) {
                        noteLines.add(line.toString());
                        line.setLength(0);
                    }
                    line.append(line.length() > 0 ? " " : "").append(word);
                }
                noteLines.add(line.toString());
            }
            scratch.dispose();
        }
        int h = 640 + 16 * noteLines.size();
        int bottom = 70 + 16 * noteLines.size();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            int pw = w - left - right;
            int ph = h - top - bottom;

            // data ranges
            double xmin = Double.POSITIVE_INFINITY;
            double xmax = Double.NEGATIVE_INFINITY;
            double ymin = Double.POSITIVE_INFINITY;
            double ymax = Double.NEGATIVE_INFINITY;
            for (Series s : series) {
                for (double[] p : s.points()) {
                    if ((xLog && p[0] <= 0) || (yLog && p[1] <= 0) || !Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
                        continue;
                    }
                    xmin = Math.min(xmin, p[0]);
                    xmax = Math.max(xmax, p[0]);
                    ymin = Math.min(ymin, p[1]);
                    ymax = Math.max(ymax, p[1]);
                }
            }
            if (!Double.isFinite(xmin)) {
                xmin = xLog ? 1 : 0;
                xmax = xLog ? 10 : 1;
                ymin = yLog ? 1 : 0;
                ymax = yLog ? 10 : 1;
            }
            if (!yLog) {
                ymin = Math.min(0, ymin);
            }
            if (yMinFixed != null) {
                ymin = yMinFixed;
                ymax = yMaxFixed;
            }
            Axis ax = new Axis(xmin, xmax, xScale);
            Axis ay = new Axis(ymin, ymax, yScale);

            Font small = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            Font normal = new Font(Font.SANS_SERIF, Font.PLAIN, 14);
            Font bold = new Font(Font.SANS_SERIF, Font.BOLD, 16);

            // grid and ticks
            g.setStroke(new BasicStroke(1f));
            for (double t : ax.ticks) {
                int x = left + (int) Math.round(ax.frac(t) * pw);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(x, top, x, top + ph);
                g.setColor(Color.DARK_GRAY);
                g.drawLine(x, top + ph, x, top + ph + 5);
                if (text) {
                    g.setFont(small);
                    String label = fmt(t);
                    FontMetrics fm = g.getFontMetrics();
                    g.drawString(label, x - fm.stringWidth(label) / 2, top + ph + 8 + fm.getAscent());
                }
            }
            for (double t : ay.ticks) {
                int y = top + ph - (int) Math.round(ay.frac(t) * ph);
                g.setColor(new Color(0xe6e6e6));
                g.drawLine(left, y, left + pw, y);
                g.setColor(Color.DARK_GRAY);
                g.drawLine(left - 5, y, left, y);
                if (text) {
                    g.setFont(small);
                    String label = fmt(t);
                    FontMetrics fm = g.getFontMetrics();
                    g.drawString(label, left - 8 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
                }
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, pw, ph);

            // series
            Stroke solid = new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
            Stroke[] strokes = {
                solid,
                new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, new float[] {8f, 5f}, 0f),
                new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {1f, 5f}, 0f),
                new BasicStroke(2f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 10f, new float[] {10f, 5f, 1f, 5f}, 0f),
            };
            var clip = g.getClip();
            g.clipRect(left - 4, top - 4, pw + 8, ph + 8);
            for (Series s : series) {
                Path2D.Double path = new Path2D.Double();
                boolean first = true;
                for (double[] p : s.points()) {
                    if ((xLog && p[0] <= 0) || (yLog && p[1] <= 0) || !Double.isFinite(p[0]) || !Double.isFinite(p[1])) {
                        continue;
                    }
                    double x = left + ax.frac(p[0]) * pw;
                    double y = top + ph - ay.frac(p[1]) * ph;
                    if (first) {
                        path.moveTo(x, y);
                        first = false;
                    } else {
                        path.lineTo(x, y);
                    }
                }
                g.setColor(s.color());
                g.setStroke(strokes[Math.floorMod(s.style(), strokes.length)]);
                g.draw(path);
                if (s.markers()) {
                    g.setStroke(new BasicStroke(1.5f));
                    for (double[] p : s.points()) {
                        if ((xLog && p[0] <= 0) || (yLog && p[1] <= 0)) {
                            continue;
                        }
                        int x = (int) Math.round(left + ax.frac(p[0]) * pw);
                        int y = (int) Math.round(top + ph - ay.frac(p[1]) * ph);
                        marker(g, s.style(), x, y);
                    }
                }
            }
            g.setClip(clip);

            if (text) {
                // title, axis labels
                g.setColor(Color.BLACK);
                g.setFont(bold);
                g.drawString(title, left, top - 18);
                g.setFont(normal);
                FontMetrics fm = g.getFontMetrics();
                g.drawString(xLabel, left + pw / 2 - fm.stringWidth(xLabel) / 2, top + ph + 45);
                var saved = g.getTransform();
                g.rotate(-Math.PI / 2);
                g.drawString(yLabel, -(top + ph / 2 + fm.stringWidth(yLabel) / 2), 22);
                g.setTransform(saved);
                // notes
                g.setFont(small);
                g.setColor(Color.DARK_GRAY);
                int ny = top + ph + 62;
                for (String n : noteLines) {
                    g.drawString(n, left, ny);
                    ny += 16;
                }
                // legend
                int lx = left + pw + 18;
                int ly = top + 10;
                g.setFont(small);
                for (Series s : series) {
                    g.setColor(s.color());
                    g.setStroke(strokes[Math.floorMod(s.style(), strokes.length)]);
                    g.drawLine(lx, ly, lx + 30, ly);
                    if (s.markers()) {
                        g.setStroke(new BasicStroke(1.5f));
                        marker(g, s.style(), lx + 15, ly);
                    }
                    g.setColor(Color.BLACK);
                    g.drawString(s.name(), lx + 38, ly + 4);
                    ly += 20;
                }
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void marker(Graphics2D g, int style, int x, int y) {
        switch (Math.floorMod(style, 3)) {
            case 0 -> g.fillOval(x - 3, y - 3, 7, 7);
            case 1 -> g.drawRect(x - 3, y - 3, 6, 6);
            default -> g.drawPolygon(new int[] {x - 4, x + 4, x}, new int[] {y + 3, y + 3, y - 4}, 3);
        }
    }

    private static String fmt(double v) {
        double a = Math.abs(v);
        if (a == 0) {
            return "0";
        }
        if (a >= 1e6) {
            return trim(v / 1e6) + "M";
        }
        if (a >= 1e3) {
            return trim(v / 1e3) + "k";
        }
        if (a >= 1) {
            return trim(v);
        }
        String s = String.format("%.4f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    private static String trim(double v) {
        if (Math.abs(v - Math.rint(v)) < 1e-9) {
            return Long.toString(Math.round(v));
        }
        String s = String.format("%.2f", v).replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }

    /** One axis: range (padded on log axes to whole decades or halves), ticks, data -> [0, 1]. */
    private static final class Axis {
        final double lo;
        final double hi;
        final boolean log;
        final List<Double> ticks = new ArrayList<>();

        Axis(double min, double max, int scale) {
            this.log = scale != LINEAR;
            if (scale == LOG2) {
                int a = (int) Math.floor(Math.log(min) / Math.log(2) + 1e-9);
                int b = (int) Math.ceil(Math.log(max) / Math.log(2) - 1e-9);
                if (b <= a) {
                    b = a + 1;
                }
                lo = a * Math.log10(2);
                hi = b * Math.log10(2);
                for (int d = a; d <= b; d++) {
                    ticks.add(Math.pow(2, d));
                }
            } else if (log) {
                double a = Math.floor(Math.log10(min));
                double b = Math.ceil(Math.log10(max));
                if (b <= a) {
                    b = a + 1;
                }
                lo = a;
                hi = b;
                int decades = (int) (b - a);
                for (int d = (int) a; d <= (int) b; d++) {
                    double base = Math.pow(10, d);
                    ticks.add(base);
                    if (decades <= 3 && d < (int) b) {
                        ticks.add(2 * base);
                        ticks.add(5 * base);
                    }
                }
            } else {
                if (max <= min) {
                    max = min + 1;
                }
                double step = niceStep((max - min) / 6);
                lo = Math.floor(min / step) * step;
                hi = Math.ceil(max / step) * step;
                for (double t = lo; t <= hi + step / 2; t += step) {
                    ticks.add(Math.abs(t) < step / 1e6 ? 0 : t);
                }
            }
        }

        double frac(double v) {
            double x = log ? Math.log10(v) : v;
            return (x - lo) / (hi - lo);
        }

        private static double niceStep(double raw) {
            double p = Math.pow(10, Math.floor(Math.log10(raw)));
            double f = raw / p;
            double n = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
            return n * p;
        }
    }
}
