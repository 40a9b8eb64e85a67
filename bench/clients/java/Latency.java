// Latency is the java client's latency workload, which Kafka's perf tools do not
// have: a KafkaProducer sends N values at a fixed rate with the send time (unix nanos,
// big-endian) in their first 8 bytes, while a KafkaConsumer in the same process,
// assigned every partition at the end, records receive time − send time in an HDR
// histogram. It takes the same flags as the Go clients and prints the same JSON line.
// run.sh compiles it against $KAFKA_LIBS.

import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class Latency {
    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i].replaceFirst("^-+", ""), args[i + 1]);
        }
        String bootstrap = flags.get("bootstrap");
        String topic = flags.get("topic");
        int messages = Integer.parseInt(flags.getOrDefault("messages", "200000"));
        int size = Integer.parseInt(flags.getOrDefault("size", "100"));
        int rate = Integer.parseInt(flags.getOrDefault("rate", "20000"));
        String linger = flags.getOrDefault("linger-ms", "5");
        String batch = flags.getOrDefault("batch-size", "1000000");
        if (bootstrap == null || topic == null || size < 8) {
            System.err.println("latency: -bootstrap and -topic are required, -size >= 8");
            System.exit(1);
        }

        Map<String, Object> producerProps = new TreeMap<>();
        producerProps.put("bootstrap.servers", bootstrap);
        producerProps.put("acks", "all");
        producerProps.put("enable.idempotence", "true");
        producerProps.put("linger.ms", linger);
        producerProps.put("batch.size", batch);
        producerProps.put("compression.type", "none");
        Map<String, Object> consumerProps = new TreeMap<>();
        consumerProps.put("bootstrap.servers", bootstrap);
        consumerProps.put("enable.auto.commit", "false");

        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props(consumerProps),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> tps = new ArrayList<>();
        for (PartitionInfo p : consumer.partitionsFor(topic)) {
            tps.add(new TopicPartition(topic, p.partition()));
        }
        consumer.assign(tps);
        consumer.seekToEnd(tps);
        KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props(producerProps),
                new ByteArraySerializer(), new ByteArraySerializer());
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<Exception> firstErr = new AtomicReference<>();

        // Warm-up: unstamped (zero) values to every partition until the consumer has
        // read one from each, as the Go clients do.
        byte[] zero = new byte[size];
        Set<Integer> seen = new HashSet<>();
        long warmDeadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
        while (seen.size() < tps.size()) {
            if (System.nanoTime() > warmDeadline) {
                fail("warm-up: consumer saw " + seen.size() + " of " + tps.size() + " partitions");
            }
            for (TopicPartition tp : tps) {
                if (!seen.contains(tp.partition())) {
                    producer.send(new ProducerRecord<>(topic, tp.partition(), null, zero));
                }
            }
            producer.flush();
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                seen.add(r.partition());
            }
        }
        while (!consumer.poll(Duration.ofMillis(100)).isEmpty()) {
        }

        Histogram hist = new Histogram(60_000_000L, 3); // microseconds, up to 60s
        AtomicInteger received = new AtomicInteger();
        Thread reader = new Thread(() -> {
            while (received.get() < messages && !Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long sent = ByteBuffer.wrap(r.value()).getLong();
                    if (sent == 0) {
                        continue;
                    }
                    long us = Math.max(nowNanos() - sent, 0) / 1000;
                    hist.recordValue(Math.min(us, hist.getHighestTrackableValue()));
                    received.incrementAndGet();
                }
            }
        });
        reader.start();

        long interval = 1_000_000_000L / rate;
        long start = System.nanoTime();
        for (int i = 0; i < messages; i++) {
            long due = start + i * interval;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(Math.min(wait, 1_000_000));
            }
            byte[] value = new byte[size];
            ByteBuffer.wrap(value).putLong(nowNanos());
            producer.send(new ProducerRecord<>(topic, value), (md, err) -> {
                if (err != null) {
                    failed.incrementAndGet();
                    firstErr.compareAndSet(null, err);
                }
            });
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        producer.flush();
        reader.join(30_000);
        if (reader.isAlive()) {
            reader.interrupt();
            fail("received " + received.get() + " of " + messages + " messages");
        }
        if (failed.get() > 0) {
            fail(failed.get() + " deliveries failed: " + firstErr.get());
        }
        producer.close();
        consumer.close();

        double msgs = messages / seconds;
        System.out.printf(java.util.Locale.ROOT,
                "{\"client\":\"java\",\"workload\":\"latency\",\"size\":%d,\"messages\":%d,\"seconds\":%.6f,"
                        + "\"msgs_per_s\":%.3f,\"mb_per_s\":%.6f,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
                        + "\"settings\":{\"library\":\"org.apache.kafka:kafka-clients %s (bench/clients/java/Latency.java)\","
                        + "\"producer\":%s,\"consumer\":%s,\"rate\":%d,\"jvm\":\"%s\","
                        + "\"api\":\"paced send() with a callback; consumer poll(100ms) on its own thread, assign + seekToEnd\"}}%n",
                size, messages, seconds, msgs, msgs * size / (1 << 20),
                hist.getValueAtPercentile(50) / 1000.0, hist.getValueAtPercentile(99) / 1000.0,
                hist.getValueAtPercentile(99.9) / 1000.0,
                org.apache.kafka.common.utils.AppInfoParser.getVersion(), json(producerProps), json(consumerProps),
                rate, System.getProperty("java.vm.version") + " " + String.join(" ",
                        java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()));
    }

    static long nowNanos() {
        Instant t = Instant.now();
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    static Properties props(Map<String, Object> m) {
        Properties p = new Properties();
        p.putAll(m);
        return p;
    }

    static String json(Map<String, Object> m) {
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, Object> e : m.entrySet()) {
            if (b.length() > 1) {
                b.append(',');
            }
            b.append('"').append(e.getKey()).append("\":\"").append(e.getValue()).append('"');
        }
        return b.append('}').toString();
    }

    static void fail(String msg) {
        System.err.println("latency: " + msg);
        System.exit(1);
    }
}
