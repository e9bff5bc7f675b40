CREATE TABLE `transcripts` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`session_id` text NOT NULL,
	`text` text NOT NULL,
	`language` text NOT NULL,
	`engine` text NOT NULL,
	`audio_ms` integer NOT NULL,
	`latency_ms` integer NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `transcripts_user_created_idx` ON `transcripts` (`user_id`,`created_at`,`id`);