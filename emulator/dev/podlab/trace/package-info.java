/**
 * Structured traces: one {@link dev.podlab.trace.TraceEvent} per step of a packet's path (time,
 * node, netns, device, step, verdict, drop reason, detail), recorded through a
 * {@link dev.podlab.trace.Tracer} and written by sinks as fixed-column text
 * ({@link dev.podlab.trace.TextTraceSink}) or JSON Lines ({@link dev.podlab.trace.JsonLinesTraceSink}).
 * Drop reasons carry the Linux kernel's names. The trace is for users and golden tests; logging
 * (slf4j) is for people debugging podlab and never carries trace content.
 */
package dev.podlab.trace;
