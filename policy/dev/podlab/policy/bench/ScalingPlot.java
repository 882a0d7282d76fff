package dev.podlab.policy.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * The scaling plot as a PNG: classification cost per first packet against the number of
 * policies, both axes logarithmic, one line per engine (colour) and workload shape (solid: apps,
 * dashed: one app). Drawn with Java2D in headless mode: no plotting library, no display.
 */
public final class ScalingPlot {
    private static final int WIDTH = 900;
    private static final int HEIGHT = 600;
    private static final int LEFT = 90;
    private static final int RIGHT = 250;
    private static final int TOP = 60;
    private static final int BOTTOM = 70;

    private record Series(String label, Color colour, boolean dashed, List<double[]> points) {}

    private ScalingPlot() {
    }

    /** Writes the plot of {@code rows} to {@code file}. */
    public static void write(List<PolicyScaling.Row> rows, Path file) throws IOException {
        System.setProperty("java.awt.headless", "true");
        Map<String, Series> series = new LinkedHashMap<>();
        for (PolicyScaling.Row r : rows) {
            boolean dashed = !r.shape().equals("apps");
            add(series, "iptables chains (" + r.shape() + ")", new Color(0xC0392B), dashed, r, PolicyScaling.Row::iptablesNs);
            add(series, "indexed via bpf rule (" + r.shape() + ")", new Color(0x2471A3), dashed, r,
                    PolicyScaling.Row::indexedChainsNs);
            add(series, "index alone (" + r.shape() + ")", new Color(0x1E8449), dashed, r, PolicyScaling.Row::indexedNs);
        }
        double xMin = Double.MAX_VALUE;
        double xMax = 0;
        double yMin = Double.MAX_VALUE;
        double yMax = 0;
        for (Series s : series.values()) {
            for (double[] p : s.points()) {
                xMin = Math.min(xMin, p[0]);
                xMax = Math.max(xMax, p[0]);
                yMin = Math.min(yMin, p[1]);
                yMax = Math.max(yMax, p[1]);
            }
        }
        int x0 = (int) Math.floor(Math.log10(xMin));
        int x1 = Math.max(x0 + 1, (int) Math.ceil(Math.log10(xMax)));
        int y0 = (int) Math.floor(Math.log10(yMin));
        int y1 = Math.max(y0 + 1, (int) Math.ceil(Math.log10(yMax)));

        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.setColor(Color.BLACK);
        g.drawString("NetworkPolicy: cost of classifying a connection's first packet", LEFT, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("node with " + PolicyWorkload.PODS_PER_NODE + " pods; cluster of " + rows.get(0).pods()
                + " pods; log-log", LEFT, 48);
        // Grid and axes: one line per decade.
        for (int d = x0; d <= x1; d++) {
            int x = LEFT + (int) Math.round((d - x0) * (double) plotW / (x1 - x0));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(x, TOP, x, TOP + plotH);
            g.setColor(Color.BLACK);
            String label = String.format("%,d", (long) Math.pow(10, d));
            g.drawString(label, x - g.getFontMetrics().stringWidth(label) / 2, TOP + plotH + 18);
        }
        for (int d = y0; d <= y1; d++) {
            int y = TOP + plotH - (int) Math.round((d - y0) * (double) plotH / (y1 - y0));
            g.setColor(new Color(0xDDDDDD));
            g.drawLine(LEFT, y, LEFT + plotW, y);
            g.setColor(Color.BLACK);
            String label = nsLabel(Math.pow(10, d));
            g.drawString(label, LEFT - 8 - g.getFontMetrics().stringWidth(label), y + 4);
        }
        g.drawRect(LEFT, TOP, plotW, plotH);
        g.drawString("policies in the cluster", LEFT + plotW / 2 - 60, HEIGHT - 25);
        Graphics2D v = (Graphics2D) g.create();
        v.rotate(-Math.PI / 2);
        v.drawString("time per first packet", -(TOP + plotH / 2 + 60), 20);
        v.dispose();

        int legendY = TOP + 10;
        for (Series s : series.values()) {
            float[] dash = s.dashed() ? new float[] {7f, 5f} : null;
            g.setStroke(new BasicStroke(2.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f, dash, 0f));
            g.setColor(s.colour());
            int[] xs = new int[s.points().size()];
            int[] ys = new int[s.points().size()];
            for (int i = 0; i < xs.length; i++) {
                double[] p = s.points().get(i);
                xs[i] = LEFT + (int) Math.round((Math.log10(p[0]) - x0) * plotW / (x1 - x0));
                ys[i] = TOP + plotH - (int) Math.round((Math.log10(p[1]) - y0) * plotH / (y1 - y0));
            }
            g.drawPolyline(xs, ys, xs.length);
            for (int i = 0; i < xs.length; i++) {
                g.fillOval(xs[i] - 3, ys[i] - 3, 7, 7);
            }
            g.drawLine(LEFT + plotW + 15, legendY, LEFT + plotW + 45, legendY);
            g.setColor(Color.BLACK);
            g.drawString(s.label(), LEFT + plotW + 50, legendY + 4);
            legendY += 20;
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }

    private static void add(Map<String, Series> series, String label, Color colour, boolean dashed,
            PolicyScaling.Row r, ToDoubleFunction<PolicyScaling.Row> y) {
        series.computeIfAbsent(label, l -> new Series(l, colour, dashed, new ArrayList<>()))
                .points().add(new double[] {r.policies(), Math.max(y.applyAsDouble(r), 0.1)});
    }

    private static String nsLabel(double ns) {
        if (ns >= 1e6) {
            return String.format("%.0f ms", ns / 1e6);
        }
        if (ns >= 1e3) {
            return String.format("%.0f µs", ns / 1e3);
        }
        return String.format("%.0f ns", ns);
    }
}
