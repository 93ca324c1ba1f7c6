/**
 * Who is signed in: the session store loads /api/me once, signs in and out,
 * and forgets the user when the server answers 401.
 */

import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";

import { ApiError, fetchMe, login, logout, type Me } from "@/api";

export type SessionStatus = "unknown" | "signedOut" | "signedIn";

export const useSessionStore = defineStore("session", () => {
  const status = ref<SessionStatus>("unknown");
  const me = shallowRef<Me | null>(null);
  /** Why the first "who am I" failed when it was not a plain 401 (network down, server error). */
  const loadError = shallowRef<unknown>(null);
  /** Set when a request was refused because the session ended; the sign-in form says so. */
  const expired = ref(false);

  const signedIn = computed(() => status.value === "signedIn");

  function becomeSignedIn(user: Me): void {
    me.value = user;
    status.value = "signedIn";
    expired.value = false;
    loadError.value = null;
  }

  function becomeSignedOut(): void {
    me.value = null;
    status.value = "signedOut";
  }

  async function load(): Promise<void> {
    loadError.value = null;
    try {
      becomeSignedIn(await fetchMe());
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) becomeSignedOut();
      else loadError.value = error;
    }
  }

  async function signIn(username: string, password: string): Promise<void> {
    const answer = await login({ username, password });
    becomeSignedIn(answer.user);
  }

  async function signOut(): Promise<void> {
    try {
      await logout();
    } catch {
      // The cookies may already be gone; on this side the user is signed out either way.
    }
    expired.value = false;
    becomeSignedOut();
  }

  function expire(): void {
    if (status.value === "signedIn") expired.value = true;
    becomeSignedOut();
  }

  return { status, me, loadError, expired, signedIn, load, signIn, signOut, expire };
});
