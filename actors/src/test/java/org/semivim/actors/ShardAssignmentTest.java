package org.semivim.actors;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShardAssignmentTest {

    @Test
    void everyShardIsOwnedExactlyOnceForAnyNumberOfTrainersAndTheTableIsOrderFree() {
        for (int shards = 1; shards <= 9; shards++) {
            for (int n = 1; n <= 11; n++) {
                Set<String> ids = new TreeSet<>();
                for (int i = 0; i < n; i++) ids.add("pekko://semivim@127.0.0.1:" + (25530 - i) + "/user/trainer-host/student-trainer-0");
                Map<String, int[]> table = ShardAssignment.assign(ids, shards);
                assertEquals(ids, table.keySet());
                int[] owners = new int[shards];
                for (int[] owned : table.values()) for (int s : owned) owners[s]++;
                for (int s = 0; s < shards; s++) assertEquals(1, owners[s], "shard " + s + " with " + n + " trainers");
                // the same set in another order gives the same table
                Map<String, int[]> again = ShardAssignment.assign(new java.util.HashSet<>(ids), shards);
                for (String id : ids) assertArrayEquals(table.get(id), again.get(id));
            }
        }
    }

    @Test
    void sortedTrainersGetStridedShardsAsInOneJvm() {
        Map<String, int[]> t = ShardAssignment.assign(Set.of("b", "a", "c"), 4);
        assertArrayEquals(new int[]{0, 3}, t.get("a"));
        assertArrayEquals(new int[]{1}, t.get("b"));
        assertArrayEquals(new int[]{2}, t.get("c"));
        assertTrue(ShardAssignment.assign(Set.of(), 4).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ShardAssignment.assign(Set.of("a"), 0));
    }

    @Test
    void aTrainerLeavingOrJoiningChangesExactlyTheTrainersWhoseShardsMove() {
        Map<String, int[]> three = ShardAssignment.assign(Set.of("a", "b", "c"), 4);
        Map<String, int[]> two = ShardAssignment.assign(Set.of("a", "c"), 4);   // b's node died
        assertArrayEquals(new int[]{0, 2}, two.get("a"));
        assertArrayEquals(new int[]{1, 3}, two.get("c"));
        assertEquals(Set.of("a", "c"), ShardAssignment.changed(three, two));
        Map<String, int[]> back = ShardAssignment.assign(Set.of("a", "b", "c"), 4);
        assertEquals(Set.of("a", "b", "c"), ShardAssignment.changed(two, back));
        assertEquals(Set.of(), ShardAssignment.changed(back, three));
        // a trainer beyond the shard count owns nothing, and nothing moves when it joins
        Map<String, int[]> five = ShardAssignment.assign(Set.of("a", "b", "c", "d", "e"), 4);
        assertEquals(0, five.get("e").length);
        assertEquals(Set.of("e"), ShardAssignment.changed(ShardAssignment.assign(Set.of("a", "b", "c", "d"), 4), five));
        assertTrue(Arrays.stream(five.get("e")).count() == 0);
    }
}
