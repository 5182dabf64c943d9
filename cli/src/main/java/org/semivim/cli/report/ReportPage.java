package org.semivim.cli.report;

import org.semivim.cli.run.RunEvaluation;
import org.semivim.training.config.TrainConfig;
import org.semivim.training.eval.Evaluation;
import org.semivim.training.eval.GroupAccuracy;

import java.util.List;
import java.util.Locale;

/** The report's index.html: a summary, the final evaluation, every figure (or its note), the config. */
final class ReportPage {
    private ReportPage() {}

    static String html(String runName, TrainConfig config, MetricsSeries m, RunEvaluation eval, List<Figure> figures, String configJson) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<title>semivim report: ").append(esc(runName)).append("</title>\n")
                .append("<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}")
                .append("table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:right}")
                .append("th{background:#f3f3f3}figure{margin:2em 0}img{max-width:100%;border:1px solid #eee}")
                .append(".note{color:#777;font-style:italic}.bad{color:#b00}pre{background:#f7f7f7;padding:1em;overflow:auto}</style>\n")
                .append("</head>\n<body>\n");
        b.append("<h1>semivim run ").append(esc(runName)).append("</h1>\n");
        b.append("<p>method <b>").append(esc(config.method().configName())).append("</b>, model <b>").append(esc(modelName(config)))
                .append("</b>, data <b>").append(esc(config.data().source().configName)).append("</b> protocol <b>")
                .append(esc(config.data().protocol().name())).append("</b>, seed ").append(config.seed()).append(". Steps logged: ")
                .append(m.stepRecords()).append(" (last step ").append(m.lastStep() + 1).append(" of ").append(config.steps()).append(").</p>\n");

        b.append("<h2>Final evaluation</h2>\n");
        if (eval == null) {
            b.append("<p class=\"note\">No evaluation yet: run <code>semivim eval &lt;run-dir&gt;</code>.</p>\n");
        } else {
            b.append("<p>At step ").append(eval.step()).append(" on ").append(eval.images()).append(" test images.</p>\n");
            b.append("<table>\n<tr><th>model</th><th>top-1</th><th>top-").append(eval.student().topK())
                    .append("</th><th>balanced</th><th>macro F1</th><th>mAP</th><th>many</th><th>medium</th><th>few</th><th>collapsed</th></tr>\n");
            row(b, "student", eval.student());
            if (eval.teacher() != null) row(b, "teacher", eval.teacher());
            b.append("</table>\n");
            GroupAccuracy g = eval.student().byRank();
            b.append("<p>Many / medium / few by labeled-count rank: classes ").append(g.groups().many()).append(" / ")
                    .append(g.groups().medium()).append(" / ").append(g.groups().few()).append(".</p>\n");
        }

        b.append("<h2>Plots</h2>\n");
        for (Figure f : figures) {
            b.append("<figure>\n<h3>").append(esc(f.title())).append("</h3>\n");
            if (f.isPlot()) {
                b.append("<img src=\"").append(esc(f.file())).append("\" alt=\"").append(esc(f.title())).append("\">\n")
                        .append("<figcaption>").append(esc(f.caption())).append("</figcaption>\n");
            } else {
                b.append("<p class=\"note\">Not plotted: ").append(esc(f.caption())).append("</p>\n");
            }
            b.append("</figure>\n");
        }
        b.append("<h2>Configuration</h2>\n<pre>").append(esc(configJson)).append("</pre>\n");
        // Says whether every plot loaded (the page works without it; a broken image shows here).
        b.append("<p id=\"plots-status\" class=\"note\">Plot check needs JavaScript.</p>\n")
                .append("<script>window.addEventListener('load',function(){var i=Array.prototype.slice.call(document.images);")
                .append("var ok=i.filter(function(x){return x.complete&&x.naturalWidth>0}).length;var p=document.getElementById('plots-status');")
                .append("p.textContent='plots loaded: '+ok+' of '+i.length;p.setAttribute('data-loaded',ok);p.setAttribute('data-total',i.length);});</script>\n");
        b.append("</body>\n</html>\n");
        return b.toString();
    }

    private static void row(StringBuilder b, String name, Evaluation e) {
        b.append("<tr><th>").append(name).append("</th>");
        for (double v : new double[] {e.top1(), e.top5(), e.balancedAccuracy(), e.macroF1(), e.meanAveragePrecision(), e.byRank().many(),
                e.byRank().medium(), e.byRank().few()}) {
            b.append("<td>").append(Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.4f", v)).append("</td>");
        }
        b.append(e.collapsed() ? "<td class=\"bad\">yes: " + esc(String.join("; ", e.collapseReasons())) + "</td>" : "<td>no</td>");
        b.append("</tr>\n");
    }

    private static String modelName(TrainConfig config) {
        return config.model() instanceof org.semivim.engine.models.ModelSpec.Vim v
                ? "ViM (dim " + v.config().embedDim() + ", depth " + v.config().depth() + ")"
                : "ViT";
    }

    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
