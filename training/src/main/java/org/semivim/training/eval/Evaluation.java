package org.semivim.training.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.UncheckedIOException;
import java.util.List;

/**
 * Every metric of one evaluation (docs/evaluation.md gives each definition). Immutable: lists are
 * unmodifiable copies. Undefined values are NaN (e.g. the recall of a class with no samples);
 * JSON writes them as the string "NaN", which {@link #fromJson} reads back.
 *
 * @param samples             N
 * @param numClasses          K
 * @param top1                fraction of samples whose argmax is the true class
 * @param topK                the k of {@code top5}: min(5, K)
 * @param top5                fraction whose true class is among the topK highest scores
 * @param balancedAccuracy    mean per-class recall over classes with samples
 * @param support             samples per true class [K]
 * @param perClassAccuracy    recall per class [K] (NaN without samples)
 * @param precision           precision per class [K] (0 for a class never predicted)
 * @param f1                  F1 per class [K]
 * @param macroPrecision      mean of precision over classes with samples
 * @param macroRecall         mean of recall over classes with samples (= balancedAccuracy)
 * @param macroF1             mean of per-class F1 over classes with samples
 * @param averagePrecision    one-vs-rest average precision per class [K] (NaN without samples)
 * @param meanAveragePrecision mean of averagePrecision over classes with samples (mAP)
 * @param confusion           counts [K][K], row = true class, column = predicted class
 * @param confusionNormalized confusion with each row divided by its sum (rows without samples: 0)
 * @param predictedShare      fraction of predictions per class [K]
 * @param byRank              many/medium/few by frequency rank (primary)
 * @param byThreshold         many/medium/few by count thresholds (secondary)
 * @param nonFiniteRows       samples whose scores had a NaN or infinite value
 * @param collapsed           the run counts as failed (ssl-spec.md §4.4)
 * @param collapseReasons     why, empty when not collapsed
 */
public record Evaluation(
        int samples,
        int numClasses,
        double top1,
        int topK,
        double top5,
        double balancedAccuracy,
        List<Integer> support,
        List<Double> perClassAccuracy,
        List<Double> precision,
        List<Double> f1,
        double macroPrecision,
        double macroRecall,
        double macroF1,
        List<Double> averagePrecision,
        double meanAveragePrecision,
        List<List<Integer>> confusion,
        List<List<Double>> confusionNormalized,
        List<Double> predictedShare,
        GroupAccuracy byRank,
        GroupAccuracy byThreshold,
        int nonFiniteRows,
        boolean collapsed,
        List<String> collapseReasons) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public Evaluation {
        support = List.copyOf(support);
        perClassAccuracy = List.copyOf(perClassAccuracy);
        precision = List.copyOf(precision);
        f1 = List.copyOf(f1);
        averagePrecision = List.copyOf(averagePrecision);
        confusion = confusion.stream().map(List::copyOf).toList();
        confusionNormalized = confusionNormalized.stream().map(List::copyOf).toList();
        predictedShare = List.copyOf(predictedShare);
        collapseReasons = List.copyOf(collapseReasons);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("an Evaluation always has a JSON form", e);
        }
    }

    public static Evaluation fromJson(String json) {
        try {
            return JSON.readValue(json, Evaluation.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an Evaluation: " + e.getOriginalMessage(), e);
        }
    }
}
