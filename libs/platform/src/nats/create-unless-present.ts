/** Whoever starts first creates it; a create that lost the race is fine if the thing now exists. */
export async function createUnlessPresent(
  info: () => Promise<unknown>,
  create: () => Promise<unknown>,
): Promise<void> {
  try {
    await info();
    return;
  } catch {
    /* missing */
  }
  try {
    await create();
  } catch (error) {
    await info().catch(() => {
      throw error;
    });
  }
}
