import { useQuery } from "@tanstack/react-query";
import { getMeOptions } from "@/client/@tanstack/react-query.gen";

/** The signed-in user and their organizations (`GET /api/auth/me`). */
export function useMe() {
  return useQuery({ ...getMeOptions(), staleTime: 60_000 });
}
