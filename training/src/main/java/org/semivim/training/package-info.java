/**
 * The semi-supervised methods as plain Java, without actors (ARCHITECTURE.md): every decision is a
 * pure function with unit tests, and the single-process reference loop is what the actor runtime
 * is proven equal to.
 */
package org.semivim.training;
