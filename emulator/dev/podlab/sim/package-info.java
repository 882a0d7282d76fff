/**
 * The simulation core: virtual time, the event queue, seeded randomness and links.
 *
 * <ul>
 *   <li>{@link dev.podlab.sim.Simulator}: a clock in {@code long} nanoseconds and an event queue
 *       ordered by (time, scheduling sequence); one per simulation, passed explicitly.
 *   <li>{@link dev.podlab.sim.RandomStreams}: independent random streams per component, derived
 *       from the simulation's root seed and a stable name.
 *   <li>{@link dev.podlab.sim.Link} / {@link dev.podlab.sim.LinkEnd}: point-to-point wires with
 *       delay, rate, FIFO queue, MTU, loss and jitter, carrying {@link dev.podlab.packet.Packet}s.
 * </ul>
 *
 * Nothing here reads the wall clock or depends on hash iteration order: a run is a function of its
 * seed and its inputs.
 */
package dev.podlab.sim;
