/** NetworkPolicy model, validation, compiler to netfilter chains, and classifiers. */
package dev.podlab.policy;
